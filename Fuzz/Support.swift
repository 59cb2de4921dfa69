import Glibc

/// Writes each fuzz input to one scratch file per process, so the targets also exercise the
/// readers that take a path (header first, bounded reads, gzip), not only the in-memory parsers.
enum FuzzFile {
    /// The scratch file of this process (libFuzzer's `-fork`/`-jobs` workers each get their own),
    /// in /dev/shm when there is one: on a disk-backed /tmp each write-and-read cost ~3 ms, ten
    /// times the parsing, and the fuzzers ran 300 inputs a second instead of 3,700.
    static let path: String = {
        let directory = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        atexit { unlink(FuzzFile.path) }
        return "\(directory)/lars-fuzz-\(getpid())"
    }()

    /// Replaces the scratch file's contents with `bytes` and returns its path.
    static func write(_ bytes: [UInt8]) -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { fatalError("fuzz: cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            guard got > 0 else { fatalError("fuzz: short write to \(path)") }
            done += got
        }
        return path
    }
}

/// The input libFuzzer passes, as bytes.
func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
