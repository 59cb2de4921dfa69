import Glibc

/// A file read in pieces at given offsets with POSIX calls, so that a reader can check a
/// header against the file's size before it reads (and allocates for) anything else.
final class ReadOnlyFile {
    /// The file's size when it was opened.
    let size: Int
    private let descriptor: Int32
    private let fail: (String) -> SafeTensorsError

    /// Opens `path`; `fail` turns a problem into the caller's error (which names the file).
    init(path: String, fail: @escaping (String) -> SafeTensorsError) throws {
        self.fail = fail
        // O_NONBLOCK: opening a FIFO named by mistake must not hang; it is refused below as not a regular file.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw fail("cannot read the file: \(Self.systemError())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = Self.systemError()
            close(fd)
            throw fail("cannot read the file: \(reason)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw fail("cannot read the file: not a regular file")
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// `count` bytes from `offset`; the caller has checked that they lie inside `size`.
    func read(_ count: Int, at offset: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        return bytes
    }

    /// Fills `buffer` from `offset`.
    /// - Throws: the caller's error on an I/O error or when the file has shrunk since it was opened.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < buffer.count {
            // At most 64 MiB per call: Linux caps a single read near 2 GiB anyway.
            let got = pread(descriptor, buffer.baseAddress! + done, min(buffer.count - done, 1 << 26), off_t(offset + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw fail("cannot read the file: \(Self.systemError())")
            }
            if got == 0 { throw fail("the file ended at byte \(offset + done) while reading it (it shrank since it was opened)") }
            done += got
        }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
