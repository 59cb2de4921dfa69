/// The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero bytes, a type
/// code, the number of dimensions), one big-endian 32-bit size per dimension, then the values
/// in row-major order. Only unsigned bytes (type code 0x08) occur in these data sets.
public enum IDXFile {
    /// The parsed contents of one IDX file of unsigned bytes.
    public struct Contents: Sendable {
        /// The size of each dimension, outermost first.
        public var dimensions: [Int]
        /// The values, `dimensions.reduce(1, *)` of them.
        public var values: [UInt8]
    }

    /// Reads and checks the IDX file at `path` (gzip-compressed or plain).
    ///
    /// - Parameters:
    ///   - rank: the number of dimensions the caller expects (3 for images, 1 for labels).
    ///   - missingHint: what to tell the user when the file does not exist.
    /// - Throws: `DatasetError` for a missing or unreadable file, a corrupt gzip stream, a bad magic
    ///   number, a wrong rank or a zero dimension, truncated data (with the byte offset) and
    ///   trailing bytes.
    public static func read(_ path: String, rank: Int, missingHint: String) throws -> Contents {
        let bytes = try DataFile.read(path, missingHint: missingHint)
        return try parse(bytes, path: path, rank: rank)
    }

    /// Parses IDX bytes already in memory; `path` only names the file in errors.
    public static func parse(_ bytes: [UInt8], path: String, rank: Int) throws -> Contents {
        let expectedMagic = "0x0000080\(rank)"
        guard bytes.count >= 4 else {
            throw DatasetError(path: path, problem: .truncated(record: "IDX magic number", offset: 0, needed: 4, fileSize: bytes.count))
        }
        let magic = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        let found = "0x" + String(magic, radix: 16, uppercase: true).leftPadded(to: 8)
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            throw DatasetError(path: path, problem: .badMagic(expected: expectedMagic + " (IDX, unsigned bytes)", found: found))
        }
        guard Int(bytes[3]) == rank else {
            throw DatasetError(path: path, problem: .badMagic(
                expected: expectedMagic + " (IDX with \(rank) dimension\(rank == 1 ? "" : "s"))", found: found))
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DatasetError(path: path, problem: .truncated(record: "IDX header", offset: 0, needed: headerSize, fileSize: bytes.count))
        }
        var dimensions: [Int] = []
        for axis in 0..<rank {
            let base = 4 + 4 * axis
            let size = bytes[base..<(base + 4)].reduce(0) { $0 << 8 | Int($1) }
            dimensions.append(size)
        }
        guard dimensions.allSatisfy({ $0 > 0 }) else {
            throw DatasetError(path: path, problem: .badHeader(reason: "dimension sizes \(dimensions) include zero"))
        }
        let itemSize = dimensions.dropFirst().reduce(1, *)
        let needed = dimensions[0] * itemSize
        let available = bytes.count - headerSize
        if available < needed {
            // Name the first item that does not fit, so the offset points at the damage.
            let firstShort = available / itemSize
            throw DatasetError(path: path, problem: .truncated(
                record: "item \(firstShort) of \(dimensions[0])", offset: headerSize + firstShort * itemSize,
                needed: itemSize, fileSize: bytes.count))
        }
        if available > needed {
            throw DatasetError(path: path, problem: .trailingBytes(offset: headerSize + needed, count: available - needed))
        }
        return Contents(dimensions: dimensions, values: Array(bytes[headerSize...]))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
