/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of TFRecord framing, and
/// the masking TensorFlow applies to the checksums it stores.
public enum CRC32C {
    /// The byte-wise lookup table of the reflected polynomial.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final XOR 0xFFFFFFFF, as iSCSI and TensorFlow
    /// compute it): `checksum("123456789".utf8) == 0xE3069283`.
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes {
                crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// `crc` masked as TFRecord stores it: rotated right by 15 bits plus 0xa282ead8 (wrapping).
    /// The mask keeps a CRC of data that itself holds CRCs from being a CRC of the data again.
    public static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }

    /// The masked CRC-32C of `bytes`, as a TFRecord's length and data checksums are stored.
    public static func maskedChecksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        masked(checksum(bytes))
    }
}
