import CZlib

extension ZipDirectory {
    /// The most a deflate stream can expand: 258 output bytes per 2-bit code is about 1032:1.
    /// A declared size beyond this ratio is a lie, refused before allocating it.
    static let maximumDeflateRatio = 1032

    /// The uncompressed bytes of `entry` of the archive `bytes`, checked against the local
    /// header, the declared sizes and (for the whole member) the CRC-32.
    ///
    /// With `prefix`, only the first `prefix` bytes (or the whole member when it is shorter) are
    /// inflated and returned, unchecked by the CRC: enough to read a `.npy` header before
    /// committing to the rest. Memory grows with the bytes really inflated, never with a size
    /// the archive merely declares.
    /// - Throws: `DatasetError` naming `path` and the member: `.truncated`, `.badHeader` (an
    ///   unsupported method, impossible sizes, a CRC mismatch), `.corruptCompression`.
    static func extract(_ entry: Entry, from bytes: [UInt8], path: String, prefix: Int? = nil) throws -> [UInt8] {
        let r = Reader(bytes: bytes, path: path)
        let member = "member '\(entry.name)'"
        try r.check(entry.localHeaderOffset, 30, "local header of \(member)")
        guard r.uint(entry.localHeaderOffset, 4) == 0x0403_4B50 else { throw r.bad("\(member) has a bad local header signature") }
        let dataStart = entry.localHeaderOffset + 30 + r.uint(entry.localHeaderOffset + 26, 2) + r.uint(entry.localHeaderOffset + 28, 2)
        try r.check(dataStart, entry.compressedSize, "data of \(member)")
        let data = bytes[dataStart..<(dataStart + entry.compressedSize)]
        let wanted = min(prefix ?? entry.uncompressedSize, entry.uncompressedSize)
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard entry.uncompressedSize == entry.compressedSize else {
                throw r.bad("stored \(member) declares \(entry.uncompressedSize) bytes but holds \(entry.compressedSize)")
            }
            output = Array(data.prefix(wanted))
        case 8:
            let (limit, overflow) = entry.compressedSize.multipliedReportingOverflow(by: maximumDeflateRatio)
            guard entry.uncompressedSize <= (overflow ? Int.max : limit + 64) else {
                throw DatasetError(path: path, problem: .tooLarge(limit: overflow ? Int.max : limit + 64, reason:
                    "\(member) declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) deflated bytes, beyond deflate's 1032:1 ratio"))
            }
            let inflater = try Inflater(member: member, path: path)
            output = try inflater.inflate(data, upTo: wanted, declared: entry.uncompressedSize, exact: prefix == nil)
        default:
            throw r.bad("\(member) uses compression method \(entry.method); only stored (0) and deflated (8) members are supported")
        }
        guard prefix == nil else { return output }
        let crc = output.withUnsafeBufferPointer { buffer in
            UInt32(crc32_z(crc32_z(0, nil, 0), buffer.baseAddress, buffer.count))
        }
        guard crc == entry.crc else {
            throw r.bad("\(member) fails its CRC-32 check (\(hex(crc)), expected \(hex(entry.crc))): the archive is corrupt")
        }
        return output
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}

/// A raw deflate stream (as zip stores it, without zlib's header) inflated in bounded chunks.
private final class Inflater {
    /// Output per zlib call: memory grows by real output, a chunk at a time.
    static let chunk = 1 << 20
    let member: String
    let path: String
    /// zlib's state points back at its stream, so the stream never moves.
    private let streamPointer: UnsafeMutablePointer<z_stream>
    private var started = false

    init(member: String, path: String) throws {
        self.member = member
        self.path = path
        streamPointer = .allocate(capacity: 1)
        streamPointer.initialize(to: z_stream())
        // Negative window bits: a raw deflate stream.
        guard inflateInit2_(streamPointer, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(path: path, problem: .corruptCompression(reason: "zlib could not start inflating \(member)"))
        }
        started = true
    }

    deinit {
        if started { inflateEnd(streamPointer) }
        streamPointer.deallocate()
    }

    private func fail(_ reason: String) -> DatasetError { DatasetError(path: path, problem: .corruptCompression(reason: reason)) }

    /// The first `wanted` bytes of the stream `data`, which declares `declared` bytes in all.
    /// `exact`: the stream must hold exactly `wanted == declared` bytes; otherwise it may end
    /// early or go on (a prefix, whose sizes the caller checks against its header).
    func inflate(_ data: ArraySlice<UInt8>, upTo wanted: Int, declared: Int, exact: Bool) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(wanted)  // address space only: pages are touched as bytes arrive
        var input = Array(data)
        var code = Z_OK
        try input.withUnsafeMutableBufferPointer { source in
            streamPointer.pointee.next_in = source.baseAddress
            var inputLeft = source.count
            code = inflateChunks(into: &output, upTo: wanted, inputLeft: &inputLeft)
            if code == Z_OK && exact { code = try refuseAnotherByte(inputLeft: inputLeft, declared: declared) }
        }
        return try checkedOutput(output, code: code, wanted: wanted, declared: declared, exact: exact)
    }

    /// Appends inflated bytes to `output` a chunk at a time until it holds `wanted` bytes, and
    /// returns zlib's last code. `inputLeft` counts the bytes from `next_in` not yet consumed.
    private func inflateChunks(into output: inout [UInt8], upTo wanted: Int, inputLeft: inout Int) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: min(max(wanted, 1), Self.chunk))
        var code = Z_OK
        // zlib counts in UInt32: at most 1 GiB of input per call, until the stream ends,
        // fails, or can make no progress (input used up: Z_BUF_ERROR).
        while output.count < wanted && code == Z_OK {
            let inChunk = min(inputLeft, 1 << 30), room = min(buffer.count, wanted - output.count)
            streamPointer.pointee.avail_in = UInt32(inChunk)
            let made: Int = buffer.withUnsafeMutableBufferPointer { target in
                streamPointer.pointee.next_out = target.baseAddress
                streamPointer.pointee.avail_out = UInt32(room)
                code = CZlib.inflate(streamPointer, Z_NO_FLUSH)
                return room - Int(streamPointer.pointee.avail_out)
            }
            let consumed = inChunk - Int(streamPointer.pointee.avail_in)
            inputLeft -= consumed
            output.append(contentsOf: buffer[0..<made])
            if code == Z_OK && consumed == 0 && made == 0 { break }
        }
        return code
    }

    /// For a full member: the stream must end without another byte. Returns zlib's code.
    private func refuseAnotherByte(inputLeft: Int, declared: Int) throws -> Int32 {
        var extra: UInt8 = 0
        var code = Z_OK
        streamPointer.pointee.avail_in = UInt32(min(inputLeft, 1 << 30))
        let made: Int = withUnsafeMutablePointer(to: &extra) { target in
            streamPointer.pointee.next_out = target
            streamPointer.pointee.avail_out = 1
            code = CZlib.inflate(streamPointer, Z_NO_FLUSH)
            return 1 - Int(streamPointer.pointee.avail_out)
        }
        if made > 0 { throw fail("\(member) inflates past its declared \(declared) bytes") }
        return code
    }

    /// `output` when zlib's last `code` and the byte count say the stream held what was asked
    /// (see `inflate`), else the error that says how it did not.
    private func checkedOutput(_ output: [UInt8], code: Int32, wanted: Int, declared: Int, exact: Bool) throws -> [UInt8] {
        if !exact && (code == Z_STREAM_END || (code == Z_OK && output.count == wanted)) { return output }
        if code == Z_STREAM_END {
            guard output.count == wanted else {
                throw fail("\(member) inflates to \(output.count) bytes, declared \(declared)")
            }
            return output
        }
        if (code == Z_OK || code == Z_BUF_ERROR) && output.count == declared {
            throw fail("\(member)'s deflate stream does not end after its declared \(declared) bytes")
        }
        if code == Z_OK || code == Z_BUF_ERROR {
            throw fail("\(member) ends after \(output.count) of its declared \(declared) bytes")
        }
        throw fail("\(member): \(streamPointer.pointee.msg.map { String(cString: $0) } ?? "zlib error \(code)")")
    }
}
