/// A raw pointer that may cross into a concurrently executed closure.
///
/// Swift 6 rejects capturing `UnsafeMutablePointer` in `@Sendable` closures because nothing
/// stops two threads from writing the same element. Wrapping it is a promise made by the caller:
/// the parallel iterations that share it touch **disjoint** elements.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    /// The wrapped address.
    public let base: UnsafeMutablePointer<Pointee>
    /// Wraps `base`; the caller guarantees disjoint access across threads.
    @inlinable public init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
}

/// A read-only raw pointer that may cross into a concurrently executed closure.
public struct SendableConstPointer<Pointee>: @unchecked Sendable {
    /// The wrapped address.
    public let base: UnsafePointer<Pointee>
    /// Wraps `base`; the pointee must not be written while the closure runs.
    @inlinable public init(_ base: UnsafePointer<Pointee>) { self.base = base }
}
