import Glibc

/// Whole-file reads of uncompressed formats (`.npy`, `.npz`, PNG), bounded by the file's size
/// on disk, so a header can be checked against the bytes that really exist.
enum RawFile {
    /// The bytes of the regular file at `path`.
    /// - Throws: `DatasetError` `.missingFile(hint:)` or `.unreadable`.
    static func read(_ path: String, missingHint: String) throws -> [UInt8] {
        try FileKind.requireRegularFile(path, missingHint: missingHint)
        guard let file = fopen(path, "rb") else { throw unreadable(path) }
        defer { fclose(file) }
        var info = stat()
        guard fstat(fileno(file), &info) == 0 else { throw unreadable(path) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        let got = size == 0 ? 0 : bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, size, file) }
        guard got == size, ferror(file) == 0 else { throw unreadable(path) }
        return bytes
    }

    private static func unreadable(_ path: String) -> DatasetError {
        DatasetError(path: path, problem: .unreadable(reason: String(cString: strerror(errno))))
    }
}
