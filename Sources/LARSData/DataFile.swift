import CZlib
import Glibc

/// A data-set file opened for reading in bounded pieces. A file that starts with the gzip magic
/// bytes is inflated through zlib on the way; any other file is read as it is (zlib's
/// transparent mode).
///
/// Parsers read the header first and check it against the file before they read the rest, so a
/// corrupt or hostile file (a header announcing terabytes, a gzip bomb) is refused having cost
/// no more memory than the bytes it really holds, and never more than the caller's bound.
final class DataFile {
    /// The file, as named in errors.
    let path: String
    /// Whether the file is a gzip stream; then every size and offset counts inflated bytes.
    let isCompressed: Bool
    /// The file's size on disk (for a plain file, the size of its data).
    let sizeOnDisk: Int
    private let handle: gzFile
    /// Inflate at most this much per zlib call, so that memory grows only with real output
    /// (and a small file does not pay for zeroing a large buffer).
    private static let chunk = 1 << 16

    /// Whether a regular file exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Opens `path` without reading its data.
    /// - Throws: `DatasetError` with `.missingFile(hint:)` when the file is absent and
    ///   `.unreadable` when it cannot be opened.
    init(opening path: String, missingHint: String) throws {
        try FileKind.requireRegularFile(path, missingHint: missingHint)
        var info = stat()
        guard stat(path, &info) == 0 else { throw DatasetError(path: path, problem: .unreadable(reason: Self.systemError())) }
        guard let handle = gzopen(path, "rb") else {
            throw DatasetError(path: path, problem: .unreadable(reason: Self.systemError()))
        }
        _ = gzbuffer(handle, 1 << 16)
        self.path = path
        self.handle = handle
        sizeOnDisk = Int(info.st_size)
        // Right after gzopen, gzdirect looks at the first bytes to tell gzip from plain.
        isCompressed = gzdirect(handle) == 0
    }

    deinit { gzclose_r(handle) }

    /// The next (decompressed) bytes, `count` of them or fewer when the data ends first.
    ///
    /// Memory grows with the bytes actually read, not with `count`, except for a plain file,
    /// where the bytes left on disk bound the reservation.
    /// - Throws: `DatasetError` with `.unreadable` on I/O errors and `.corruptCompression` when
    ///   zlib rejects the stream (bad CRC, a stream that ends early, invalid deflate data).
    func read(upTo count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        if !isCompressed { bytes.reserveCapacity(max(0, min(count, sizeOnDisk))) }
        var buffer = [UInt8](repeating: 0, count: min(max(count, 0), Self.chunk))
        while bytes.count < count {
            let wanted = min(count - bytes.count, Self.chunk)
            let got = buffer.withUnsafeMutableBytes { gzread(handle, $0.baseAddress, UInt32(wanted)) }
            if got > 0 { bytes.append(contentsOf: buffer[0..<Int(got)]) }
            // gzread returns less than asked only at the end of the data or on an error; a stream
            // that ends early (Z_BUF_ERROR) or a bad CRC (Z_DATA_ERROR) shows only in gzerror,
            // sometimes after the bytes it did inflate.
            if Int(got) < wanted {
                try checkStream()
                break
            }
        }
        return bytes
    }

    /// Throws the error zlib recorded for the stream, if any.
    private func checkStream() throws {
        var code: Int32 = Z_OK
        let message = gzerror(handle, &code)
        guard code != Z_OK else { return }
        var text = message.map { String(cString: $0) } ?? "zlib error \(code)"
        if code == Z_ERRNO { throw DatasetError(path: path, problem: .unreadable(reason: Self.systemError())) }
        // zlib prefixes its message with the path, which our error already names.
        if text.hasPrefix(path + ": ") { text.removeFirst(path.count + 2) }
        throw DatasetError(path: path, problem: .corruptCompression(reason: text))
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }

    /// The whole (decompressed) contents of `path`, refusing more than `limit` bytes: a plain
    /// file by its size before reading it, a gzip stream as soon as it inflates past the limit.
    /// - Throws: as `init(opening:missingHint:)` and `read(upTo:)`, and `.tooLarge(limit:reason:)`
    ///   (with `reason`) beyond the limit.
    static func read(_ path: String, missingHint: String, limit: Int, reason: String) throws -> [UInt8] {
        let file = try DataFile(opening: path, missingHint: missingHint)
        if !file.isCompressed && file.sizeOnDisk > limit {
            throw DatasetError(path: path, problem: .tooLarge(limit: limit, reason: reason))
        }
        let bytes = try file.read(upTo: limit == Int.max ? limit : limit + 1)
        guard bytes.count <= limit else { throw DatasetError(path: path, problem: .tooLarge(limit: limit, reason: reason)) }
        return bytes
    }
}
