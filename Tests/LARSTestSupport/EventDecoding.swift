/// A reader of the TensorBoard `Event` messages the library writes, independent of its writer,
/// for tests to read event files back: the protobuf wire format's four field kinds, and the
/// fields of `Event`, `Summary.Value` and `SessionLog` that the writer uses.
public struct DecodedEvent: Equatable {
    /// `wall_time`, seconds since 1970.
    public var wallTime = 0.0
    /// `step`.
    public var step: Int64 = 0
    /// `file_version`, when the event is the file's version record.
    public var fileVersion: String?
    /// Whether it is a `SessionLog` with status START.
    public var sessionStart = false
    /// `simple_value`s by tag.
    public var scalars: [String: Float] = [:]
    /// Tags of `histo` values, with the histogram's value count (`num`).
    public var histogramCounts: [String: Double] = [:]
    /// Tags of plugin values (`metadata.plugin_data` set), with the plugin's name.
    public var pluginNames: [String: String] = [:]

    /// Decodes one serialised `Event`, or throws `DecodingProblem` for malformed bytes.
    public init(_ bytes: [UInt8]) throws {
        for field in try protoFields(bytes[...]) {
            switch field.number {
            case 1: wallTime = Double(bitPattern: field.integer)
            case 2: step = Int64(bitPattern: field.integer)
            case 3: fileVersion = String(decoding: field.bytes, as: UTF8.self)
            case 5: for value in try protoFields(field.bytes) where value.number == 1 { try addValue(value.bytes) }
            case 7: sessionStart = try protoFields(field.bytes).contains { $0.number == 1 && $0.integer == 1 }
            default: break
            }
        }
    }

    private mutating func addValue(_ bytes: ArraySlice<UInt8>) throws {
        let fields = try protoFields(bytes)
        let tag = fields.first { $0.number == 1 }.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
        for field in fields {
            switch field.number {
            case 2: scalars[tag] = Float(bitPattern: UInt32(truncatingIfNeeded: field.integer))
            case 5: histogramCounts[tag] = try protoFields(field.bytes).first { $0.number == 3 }.map { Double(bitPattern: $0.integer) } ?? 0
            case 9:
                let plugin = try protoFields(field.bytes).first { $0.number == 1 }
                let name = try plugin.flatMap { try protoFields($0.bytes).first { $0.number == 1 } }
                pluginNames[tag] = name.map { String(decoding: $0.bytes, as: UTF8.self) } ?? ""
            default: break
            }
        }
    }
}

/// Malformed protobuf bytes.
public struct DecodingProblem: Error {}

/// One field: its number, and its value as an integer (varint, 64- and 32-bit kinds) or bytes.
struct ProtoField {
    var number: Int
    var integer: UInt64 = 0
    var bytes: ArraySlice<UInt8> = []
}

/// The fields of a message in order.
func protoFields(_ bytes: ArraySlice<UInt8>) throws -> [ProtoField] {
    var fields: [ProtoField] = []
    var i = bytes.startIndex
    func varint() throws -> UInt64 {
        var value: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard i < bytes.endIndex, shift < 64 else { throw DecodingProblem() }
            let byte = bytes[i]
            i += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }
    func fixed(_ count: Int) throws -> UInt64 {
        guard bytes.endIndex - i >= count else { throw DecodingProblem() }
        defer { i += count }
        return (0..<count).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
    }
    while i < bytes.endIndex {
        let key = try varint()
        var field = ProtoField(number: Int(key >> 3))
        switch key & 7 {
        case 0: field.integer = try varint()
        case 1: field.integer = try fixed(8)
        case 5: field.integer = try fixed(4)
        case 2:
            let length = Int(try varint())
            guard length >= 0, bytes.endIndex - i >= length else { throw DecodingProblem() }
            field.bytes = bytes[i..<i + length]
            i += length
        default: throw DecodingProblem()
        }
        fields.append(field)
    }
    return fields
}
