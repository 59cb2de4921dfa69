import CZlib

extension ZipDirectory {
    /// The most a deflate stream can expand: 258 output bytes per 2-bit code is about 1032:1.
    /// A declared size beyond this ratio is a lie, refused before allocating it.
    static let maximumDeflateRatio = 1032

    /// The uncompressed bytes of `entry` of the archive `bytes`, checked against the local
    /// header, the declared sizes and the CRC-32.
    /// - Throws: `DatasetError` naming `path` and the member: `.truncated`, `.badHeader` (an
    ///   unsupported method, impossible sizes, a CRC mismatch), `.corruptCompression`.
    static func extract(_ entry: Entry, from bytes: [UInt8], path: String) throws -> [UInt8] {
        let r = Reader(bytes: bytes, path: path)
        let member = "member '\(entry.name)'"
        try r.check(entry.localHeaderOffset, 30, "local header of \(member)")
        guard r.uint(entry.localHeaderOffset, 4) == 0x0403_4B50 else { throw r.bad("\(member) has a bad local header signature") }
        let dataStart = entry.localHeaderOffset + 30 + r.uint(entry.localHeaderOffset + 26, 2) + r.uint(entry.localHeaderOffset + 28, 2)
        try r.check(dataStart, entry.compressedSize, "data of \(member)")
        let data = bytes[dataStart..<(dataStart + entry.compressedSize)]
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard entry.uncompressedSize == entry.compressedSize else {
                throw r.bad("stored \(member) declares \(entry.uncompressedSize) bytes but holds \(entry.compressedSize)")
            }
            output = Array(data)
        case 8:
            let (limit, overflow) = entry.compressedSize.multipliedReportingOverflow(by: maximumDeflateRatio)
            guard entry.uncompressedSize <= (overflow ? Int.max : limit + 64) else {
                throw DatasetError(path: path, problem: .tooLarge(limit: overflow ? Int.max : limit + 64, reason:
                    "\(member) declares \(entry.uncompressedSize) bytes from \(entry.compressedSize) deflated bytes, beyond deflate's 1032:1 ratio"))
            }
            output = try inflate(data, size: entry.uncompressedSize, member: member, path: path)
        default:
            throw r.bad("\(member) uses compression method \(entry.method); only stored (0) and deflated (8) members are supported")
        }
        let crc = output.withUnsafeBufferPointer { buffer in
            UInt32(crc32_z(crc32_z(0, nil, 0), buffer.baseAddress, buffer.count))
        }
        guard crc == entry.crc else {
            throw r.bad("\(member) fails its CRC-32 check (\(hex(crc)), expected \(hex(entry.crc))): the archive is corrupt")
        }
        return output
    }

    /// Inflates the raw deflate stream `data` into exactly `size` bytes.
    private static func inflate(_ data: ArraySlice<UInt8>, size: Int, member: String, path: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var stream = z_stream()
        // Negative window bits: a raw deflate stream, without zlib's header, as zip stores it.
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError(path: path, problem: .corruptCompression(reason: "zlib could not start inflating \(member)"))
        }
        defer { inflateEnd(&stream) }
        var input = Array(data)
        let (code, produced, message): (Int32, Int, String?) = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var code = Z_OK
                stream.next_in = source.baseAddress
                stream.next_out = target.baseAddress
                var inputLeft = source.count, outputLeft = target.count
                // zlib counts in UInt32: at most 1 GiB each way per call, until the stream ends,
                // fails, or can make no progress (input used up, or output full: Z_BUF_ERROR).
                while true {
                    let inChunk = min(inputLeft, 1 << 30), outChunk = min(outputLeft, 1 << 30)
                    stream.avail_in = UInt32(inChunk)
                    stream.avail_out = UInt32(outChunk)
                    code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let consumed = inChunk - Int(stream.avail_in), made = outChunk - Int(stream.avail_out)
                    inputLeft -= consumed
                    outputLeft -= made
                    if code != Z_OK || (consumed == 0 && made == 0) { break }
                }
                return (code, target.count - outputLeft, stream.msg.map { String(cString: $0) })
            }
        }
        guard code == Z_STREAM_END else {
            let reason = code == Z_OK || code == Z_BUF_ERROR
                ? (produced == size ? "\(member) inflates past its declared \(size) bytes" : "\(member) ends after \(produced) of its declared \(size) bytes")
                : "\(member): \(message ?? "zlib error \(code)")"
            throw DatasetError(path: path, problem: .corruptCompression(reason: reason))
        }
        guard produced == size else {
            throw DatasetError(path: path, problem: .corruptCompression(reason: "\(member) inflates to \(produced) bytes, declared \(size)"))
        }
        return output
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
