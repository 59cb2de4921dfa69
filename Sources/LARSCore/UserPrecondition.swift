#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the program with `message` unless `condition` holds, in every build configuration.
///
/// For a caller's mistake that throwing would burden every call with (a tensor of the wrong
/// shape, a label out of range, `backward` without a training-mode `forward`). Swift's
/// `precondition` drops its message in optimised (`-O`) builds, the ones this project
/// recommends; this keeps it, and flushes buffered standard output first so that nothing the
/// program printed before the mistake is lost.
@inlinable
public func userPrecondition(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { userPreconditionFailure(message(), file: file, line: line) }
}

/// Stops the program with `message` in every build configuration, after flushing standard
/// output (see `userPrecondition`).
public func userPreconditionFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fflush(nil)
    fatalError(message, file: file, line: line)
}
