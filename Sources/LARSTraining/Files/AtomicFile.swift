import Glibc

/// A file write that either replaces the target completely or leaves it untouched.
///
/// The bytes go to a temporary file in the target's directory (same file system, so the rename
/// is atomic), which is flushed with `fsync`, renamed over the target, and the directory is
/// flushed so that the rename itself survives a power cut. A process killed at any moment leaves
/// either the old file or the new one, never a mixture; at worst a stray `.NAME.tmp-*` file
/// remains next to it.
public enum AtomicFile {
    /// Replaces the file at `path` with `bytes` atomically.
    /// - Throws: `AtomicFileError` naming the file and the failing step; the target is then
    ///   unchanged and the temporary file removed.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(bytes, to: path, crashAfter: nil)
    }

    /// The temporary files a write to `path` creates are named with this prefix, in the same
    /// directory: `.NAME.tmp-`.
    public static func temporaryPrefix(for path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." + path + ".tmp-" }
        return String(path[...slash]) + "." + String(path[path.index(after: slash)...]) + ".tmp-"
    }

    /// `write`, with test hooks: when `crashAfter` is set, stop dead after writing that many
    /// bytes of the temporary file, as a killed process would: no cleanup, no rename, and throw
    /// `AtomicFileError` with step "simulated crash". `afterChunk` is called with the bytes
    /// written so far after each write of at most `chunkSize` bytes (to slow a write down
    /// so that a test can kill the process in the middle).
    static func write(
        _ bytes: [UInt8], to path: String, crashAfter: Int?, chunkSize: Int = Int.max, afterChunk: ((Int) -> Void)? = nil
    ) throws {
        var random = SystemRandomNumberGenerator()
        let temporary = temporaryPrefix(for: path) + "\(getpid())-\(String(random.next() & 0xFFFF_FFFF, radix: 16))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: temporary, step: "creating the temporary file", reason: lastError()) }
        var finished = false
        defer {
            if !finished {
                close(fd)
                unlink(temporary)
            }
        }

        let limit = crashAfter.map { min($0, bytes.count) } ?? bytes.count
        var written = 0
        while written < limit {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, min(limit - written, chunkSize)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(path: temporary, step: "writing", reason: lastError())
            }
            written += n
            afterChunk?(written)
        }
        if crashAfter != nil {
            finished = true  // A killed process cleans nothing up.
            close(fd)
            throw AtomicFileError(path: temporary, step: "simulated crash", reason: "stopped after \(limit) of \(bytes.count) bytes")
        }
        guard fsync(fd) == 0 else { throw AtomicFileError(path: temporary, step: "fsync of the temporary file", reason: lastError()) }
        guard close(fd) == 0 else {
            finished = true
            unlink(temporary)
            throw AtomicFileError(path: temporary, step: "closing", reason: lastError())
        }
        finished = true
        guard rename(temporary, path) == 0 else {
            let reason = lastError()
            unlink(temporary)
            throw AtomicFileError(path: path, step: "renaming the temporary file over it", reason: reason)
        }
        let directory = split(path).directory
        let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirfd >= 0 else { throw AtomicFileError(path: directory, step: "opening the directory to fsync it", reason: lastError()) }
        defer { close(dirfd) }
        guard fsync(dirfd) == 0 else { throw AtomicFileError(path: directory, step: "fsync of the directory", reason: lastError()) }
    }

    /// (directory, file name) of `path`; the directory is "." for a bare name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A failed atomic write: the file, the step that failed, and the system's reason.
public struct AtomicFileError: Error, CustomStringConvertible, Equatable {
    /// The file or directory the failing step worked on.
    public let path: String
    /// What was being done, such as "fsync" or "renaming the temporary file over it".
    public let step: String
    /// The system's explanation (`strerror`).
    public let reason: String

    /// `path: <step> failed: <reason>`.
    public var description: String { "\(path): \(step) failed: \(reason)" }
}
