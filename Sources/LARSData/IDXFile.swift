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

    /// How many inflated bytes past the declared data a gzip file may hold and still get an
    /// exact "trailing bytes" count; beyond this it is refused as too large without inflating
    /// the rest (a damaged file or a decompression bomb).
    static let trailingAllowance = 1 << 20

    /// Reads and checks the IDX file at `path` (gzip-compressed or plain).
    ///
    /// The header is read and checked first; a plain file's size must then match it before the
    /// values are read, and a gzip stream is inflated no further than the declared size plus
    /// `trailingAllowance`, so a hostile file costs no more memory than its header's claim.
    ///
    /// - Parameters:
    ///   - path: the IDX file, plain or gzip-compressed.
    ///   - rank: the number of dimensions the caller expects (3 for images, 1 for labels).
    ///   - missingHint: what to tell the user when the file does not exist.
    /// - Throws: `DatasetError` for a missing or unreadable file, a corrupt gzip stream, a bad magic
    ///   number, a wrong rank, a zero dimension or sizes that overflow, truncated data (with the
    ///   byte offset), trailing bytes, and a gzip stream that inflates far past its header.
    public static func read(_ path: String, rank: Int, missingHint: String) throws -> Contents {
        let file = try DataFile(opening: path, missingHint: missingHint)
        let header = try IDXHeader.parse(try file.read(upTo: IDXHeader.size(rank: rank)), path: path, rank: rank)
        if !file.isCompressed {
            try header.checkPayload(available: file.sizeOnDisk - header.headerSize, path: path)
            let values = try file.read(upTo: header.payloadSize)
            // The file may have shrunk since we looked at its size.
            try header.checkPayload(available: values.count, path: path)
            return Contents(dimensions: header.dimensions, values: values)
        }
        let (bound, overflow) = header.payloadSize.addingReportingOverflow(trailingAllowance)
        let values = try file.read(upTo: overflow ? Int.max : bound)
        if !overflow && values.count >= bound {
            throw DatasetError(path: path, problem: .tooLarge(
                limit: header.headerSize + bound,
                reason: "the IDX header declares \(header.headerSize + header.payloadSize) bytes"))
        }
        try header.checkPayload(available: values.count, path: path)
        return Contents(dimensions: header.dimensions, values: values)
    }

    /// Parses IDX bytes already in memory; `path` only names the file in errors.
    /// - Throws: `DatasetError` as `read(_:rank:missingHint:)` does for the file's contents.
    public static func parse(_ bytes: [UInt8], path: String, rank: Int) throws -> Contents {
        let header = try IDXHeader.parse(bytes, path: path, rank: rank)
        try header.checkPayload(available: bytes.count - header.headerSize, path: path)
        return Contents(dimensions: header.dimensions, values: Array(bytes[header.headerSize...]))
    }
}
