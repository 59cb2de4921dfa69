/// The Protocol Buffers wire format, writing side: the few field kinds TensorBoard's `Event`,
/// `Summary` and HParams messages use, appended in field order to a byte array.
///
/// Every call writes its field, even a zero or empty one: the messages here put scalars in
/// `oneof`s (`Summary.Value.simple_value`), where a value of 0 must still be present. Readers
/// take an explicit default exactly as an omitted one.
///
/// Why not swift-protobuf: the files need about twenty fields of a dozen messages, written and
/// never parsed. Generated code for them (with `protoc` and its plugin to regenerate it, and the
/// `.proto` files of TensorFlow, TensorBoard and `google/protobuf/struct.proto` vendored) would
/// be thousands of lines and a package dependency of the training library, against this one
/// file; the wire format these fields use is five rules (varint, 64-bit, 32-bit,
/// length-delimited, packed), and the tests compare the bytes with Python's `protobuf`.
public struct ProtoWriter: Sendable {
    /// The encoded message so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty message.
    public init() {}

    /// The wire types used here.
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    /// Appends `value` as a base-128 varint: 7 bits a byte, least significant first, the high
    /// bit set on every byte but the last (1 to 10 bytes).
    public mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A field's key: its number shifted left by 3, or'ed with the wire type.
    mutating func key(_ field: Int, _ type: WireType) {
        appendVarint(UInt64(field) << 3 | type.rawValue)
    }

    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// An `int64` field (negative values take ten bytes, as two's complement).
    public mutating func int64(_ field: Int, _ value: Int64) {
        key(field, .varint)
        appendVarint(UInt64(bitPattern: value))
    }

    /// An `int32` or enum field (sign-extended to 64 bits, as the format requires).
    public mutating func int32(_ field: Int, _ value: Int32) {
        int64(field, Int64(value))
    }

    /// A `bool` field.
    public mutating func bool(_ field: Int, _ value: Bool) {
        key(field, .varint)
        appendVarint(value ? 1 : 0)
    }

    /// A `double` field: 8 bytes, little-endian IEEE 754.
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, .fixed64)
        appendLittleEndian(value.bitPattern)
    }

    /// A `float` field: 4 bytes, little-endian IEEE 754.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, .fixed32)
        appendLittleEndian(value.bitPattern)
    }

    /// A `bytes` field: its length as a varint, then the bytes.
    public mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `string` field, UTF-8.
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// An embedded message field, built by `body` (written even when empty, which marks an
    /// optional message as present).
    public mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var inner = ProtoWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed `repeated double` field: one length-delimited run of 8-byte values.
    public mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        key(field, .lengthDelimited)
        appendVarint(UInt64(values.count * 8))
        for value in values { appendLittleEndian(value.bitPattern) }
    }
}
