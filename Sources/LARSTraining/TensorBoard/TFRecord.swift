/// TFRecord framing, the container of TensorBoard event files: each record is its data's length
/// (little-endian `UInt64`), the masked CRC-32C of those 8 bytes, the data, and the masked
/// CRC-32C of the data (both checksums little-endian `UInt32`, `CRC32C.masked`).
public enum TFRecord {
    /// Bytes a record adds around its data: length, length checksum, data checksum.
    public static let overhead = 16

    /// `data` framed as one record.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + overhead)
        let length = UInt64(data.count).littleEndian
        withUnsafeBytes(of: length) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32C.maskedChecksum(out[0..<8]).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: data)
        withUnsafeBytes(of: CRC32C.maskedChecksum(data).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The records of a framed byte stream, in order, each checked against both its checksums.
    ///
    /// - Parameters:
    ///   - bytes: the framed records, as read from an event file.
    ///   - path: names the source in errors.
    /// - Throws: `TrainingError.invalidFile` naming the record's offset when a checksum does not
    ///   match or the stream ends inside a record (a write cut off).
    public static func records(in bytes: [UInt8], path: String = "<bytes>") throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var offset = 0
        func fail(_ problem: String) -> TrainingError {
            .invalidFile(path: path, problem: "record \(records.count) at byte \(offset): \(problem)")
        }
        while offset < bytes.count {
            guard bytes.count - offset >= overhead else { throw fail("cut off: \(bytes.count - offset) bytes left") }
            let header = bytes[offset..<offset + 8]
            guard littleEndian32(bytes, offset + 8) == CRC32C.maskedChecksum(header) else {
                throw fail("the length's checksum does not match")
            }
            let length = header.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard length <= UInt64(bytes.count - offset - overhead) else {  // not negative: checked above
                throw fail("cut off: \(length) bytes of data announced, \(bytes.count - offset - overhead) left")
            }
            let start = offset + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard littleEndian32(bytes, end) == CRC32C.maskedChecksum(data) else {
                throw fail("the data's checksum does not match")
            }
            records.append(data)
            offset = end + 4
        }
        return records
    }

    private static func littleEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
    }
}
