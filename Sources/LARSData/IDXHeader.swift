/// The header of an IDX file of unsigned bytes, checked, with the sizes it implies computed
/// without overflow: the 32-bit dimensions of a hostile header multiply past `Int.max`
/// (rows = cols = 0xFFFFFFFF), which must be a refusal, not a trap.
struct IDXHeader {
    /// The size of each dimension, outermost first, all positive.
    var dimensions: [Int]
    /// The bytes of magic number and dimensions.
    var headerSize: Int
    /// The bytes of one item (the product of the inner dimensions).
    var itemSize: Int
    /// The bytes of values the header announces; `headerSize + payloadSize` does not overflow.
    var payloadSize: Int

    /// The header size of an IDX file with `rank` dimensions.
    static func size(rank: Int) -> Int { 4 + 4 * rank }

    /// Parses the header at the start of `bytes` (the whole file or just its first bytes).
    /// - Throws: `DatasetError` for a bad magic number or rank, a truncated header, a zero
    ///   dimension, or dimensions whose product overflows.
    static func parse(_ bytes: [UInt8], path: String, rank: Int) throws -> IDXHeader {
        userPrecondition((1...255).contains(rank), "IDXHeader: rank \(rank) is not 1...255")
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
        let headerSize = size(rank: rank)
        guard bytes.count >= headerSize else {
            throw DatasetError(path: path, problem: .truncated(record: "IDX header", offset: 0, needed: headerSize, fileSize: bytes.count))
        }
        var dimensions: [Int] = []
        for axis in 0..<rank {
            let base = 4 + 4 * axis
            dimensions.append(bytes[base..<(base + 4)].reduce(0) { $0 << 8 | Int($1) })
        }
        guard dimensions.allSatisfy({ $0 > 0 }) else {
            throw DatasetError(path: path, problem: .badHeader(reason: "dimension sizes \(dimensions) include zero"))
        }
        let tooLarge = DatasetError(path: path, problem: .badHeader(
            reason: "dimension sizes \(dimensions) describe more than \(Int.max) bytes"))
        var itemSize = 1
        for size in dimensions.dropFirst() {
            let (product, overflow) = itemSize.multipliedReportingOverflow(by: size)
            guard !overflow else { throw tooLarge }
            itemSize = product
        }
        let (payloadSize, overflow) = dimensions[0].multipliedReportingOverflow(by: itemSize)
        guard !overflow, payloadSize <= Int.max - headerSize else { throw tooLarge }
        return IDXHeader(dimensions: dimensions, headerSize: headerSize, itemSize: itemSize, payloadSize: payloadSize)
    }

    /// Checks that exactly `payloadSize` bytes of values follow the header, given that
    /// `available` do.
    /// - Throws: `DatasetError` `.truncated` naming the first item that does not fit (so the
    ///   offset points at the damage) or `.trailingBytes`.
    func checkPayload(available: Int, path: String) throws {
        let available = max(available, 0)  // A file that changed under us is short, not negative.
        if available < payloadSize {
            let firstShort = available / itemSize
            throw DatasetError(path: path, problem: .truncated(
                record: "item \(firstShort) of \(dimensions[0])", offset: headerSize + firstShort * itemSize,
                needed: itemSize, fileSize: headerSize + available))
        }
        if available > payloadSize {
            throw DatasetError(path: path, problem: .trailingBytes(offset: headerSize + payloadSize, count: available - payloadSize))
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
