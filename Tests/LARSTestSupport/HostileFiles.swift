import Glibc

/// The process's peak resident set size so far, in bytes (getrusage's ru_maxrss, which Linux
/// reports in kilobytes). Tests compare it before and after a call to show that refusing a huge
/// file did not read it; a peak only grows, so the comparison can miss growth but not invent it.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

/// Makes the file at `path` exactly `size` bytes long, keeping its current bytes and extending
/// it with a hole (zeros that take no disk space), so tests can pass multi-gigabyte files cheaply.
public func extendSparse(_ path: String, to size: Int) throws {
    let fd = open(path, O_WRONLY | O_CREAT, 0o644)
    guard fd >= 0 else { throw SparseFileError(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    guard ftruncate(fd, off_t(size)) == 0 else { throw SparseFileError(path: path, reason: String(cString: strerror(errno))) }
}

/// A sparse test file could not be made.
public struct SparseFileError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// strerror's text.
    public let reason: String
    /// `path: reason`.
    public var description: String { "\(path): cannot make a sparse file: \(reason)" }
}
