import CZlib
import Glibc

/// Reads data-set files into memory, decompressing gzip streams on the way.
enum DataFile {
    /// Whether a regular file exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The whole (decompressed) contents of `path`. A file that starts with the gzip magic bytes
    /// is inflated through zlib in chunks; any other file is read as is.
    ///
    /// - Throws: `DatasetError` with `.missingFile(hint:)` when the file is absent,
    ///   `.unreadable` on I/O errors and `.corruptCompression` when zlib rejects the stream
    ///   (bad CRC, a stream that ends early, invalid deflate data).
    static func read(_ path: String, missingHint: String) throws -> [UInt8] {
        guard exists(path) else { throw DatasetError(path: path, problem: .missingFile(hint: missingHint)) }
        let head = try readPlain(path, limit: 2)
        if head.count == 2 && head[0] == 0x1F && head[1] == 0x8B {
            return try readGzip(path)
        }
        return try readPlain(path, limit: nil)
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// Reads up to `limit` bytes (all of them when `nil`) with POSIX calls.
    private static func readPlain(_ path: String, limit: Int?) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DatasetError(path: path, problem: .unreadable(reason: systemError())) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw DatasetError(path: path, problem: .unreadable(reason: systemError())) }
        let size = Int(info.st_size)
        let wanted = min(size, limit ?? size)
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + done, wanted - done)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw DatasetError(path: path, problem: .unreadable(reason: systemError()))
            }
            if got == 0 { break }  // The file shrank while we read it.
            done += got
        }
        if done < wanted { bytes.removeLast(wanted - done) }
        return bytes
    }

    /// Inflates a gzip file through zlib's `gzread`, one megabyte at a time.
    private static func readGzip(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw DatasetError(path: path, problem: .unreadable(reason: systemError()))
        }
        defer { gzclose_r(file) }
        _ = gzbuffer(file, 1 << 17)
        let chunk = 1 << 20
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let got = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32(chunk)) }
            if got < 0 { break }
            if got == 0 { break }
            bytes.append(contentsOf: buffer[0..<Int(got)])
        }
        // gzread reports a stream that ends early (Z_BUF_ERROR) and a bad CRC (Z_DATA_ERROR) only
        // through gzerror, sometimes after returning the bytes it did inflate.
        var code: Int32 = Z_OK
        let message = gzerror(file, &code)
        if code != Z_OK {
            var text = message.map { String(cString: $0) } ?? "zlib error \(code)"
            // zlib prefixes its message with the path, which our error already names.
            if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }
            throw DatasetError(path: path, problem: .corruptCompression(reason: text))
        }
        return bytes
    }
}
