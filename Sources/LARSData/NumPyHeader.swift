/// The header of a NumPy `.npy` array: the magic string, the version, and the Python dict
/// literal that gives the dtype, the memory order and the shape, checked strictly.
///
/// Format (numpy.lib.format): `\x93NUMPY`, major and minor version bytes, the header length as
/// a little-endian `UInt16` (version 1) or `UInt32` (versions 2 and 3), then that many bytes of
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and `\n`.
struct NumPyHeader {
    /// The dtype descriptor, such as `<f4` or `|u1`.
    var descriptor: String
    /// The dimensions, outermost first (empty for a scalar).
    var shape: [Int]
    /// Whether the values are stored in Fortran (column-major) order.
    var fortranOrder: Bool
    /// Bytes from the start of the file to the first value.
    var dataOffset: Int

    /// The six bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Parses the header at the start of `bytes`.
    /// - Throws: `DatasetError` naming `path`: `.badMagic`, `.truncated`, or `.badHeader` for an
    ///   unknown version, a malformed dict, a missing or repeated key, or a negative dimension.
    static func parse(_ bytes: ArraySlice<UInt8>, path: String) throws -> NumPyHeader {
        let start = bytes.startIndex
        guard bytes.count >= 10 else {
            throw DatasetError(path: path, problem: .truncated(record: "NumPy preamble", offset: 0, needed: 10, fileSize: bytes.count))
        }
        guard Array(bytes[start..<(start + 6)]) == magic else {
            let found = bytes[start..<(start + 6)].map { String($0, radix: 16) }.joined(separator: " ")
            throw DatasetError(path: path, problem: .badMagic(expected: "\\x93NUMPY (a NumPy .npy array)", found: found))
        }
        let major = Int(bytes[start + 6])
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw DatasetError(path: path, problem: .badHeader(reason: "unknown .npy format version \(major).\(bytes[start + 7])"))
        }
        let preamble = 8 + lengthBytes
        guard bytes.count >= preamble else {
            throw DatasetError(path: path, problem: .truncated(record: "NumPy header length", offset: 8, needed: lengthBytes, fileSize: bytes.count))
        }
        var length = 0
        for i in (0..<lengthBytes).reversed() { length = length << 8 | Int(bytes[start + 8 + i]) }
        guard bytes.count - preamble >= length else {
            throw DatasetError(path: path, problem: .truncated(record: "NumPy header", offset: preamble, needed: length, fileSize: bytes.count))
        }
        let text = bytes[(start + preamble)..<(start + preamble + length)]
        var parser = DictParser(bytes: Array(text), path: path)
        let entries = try parser.parseDict()
        let known: Set<String> = ["descr", "fortran_order", "shape"]
        if let unknown = entries.keys.sorted().first(where: { !known.contains($0) }) {
            throw DatasetError(path: path, problem: .badHeader(reason: "unknown key '\(unknown)' in the .npy header"))
        }
        guard case .string(let descriptor)? = entries["descr"] else {
            throw DatasetError(path: path, problem: .badHeader(reason: "the .npy header has no 'descr' string (structured dtypes are not supported)"))
        }
        guard case .bool(let fortranOrder)? = entries["fortran_order"] else {
            throw DatasetError(path: path, problem: .badHeader(reason: "the .npy header has no 'fortran_order' True or False"))
        }
        guard case .tuple(let shape)? = entries["shape"] else {
            throw DatasetError(path: path, problem: .badHeader(reason: "the .npy header has no 'shape' tuple"))
        }
        return NumPyHeader(descriptor: descriptor, shape: shape, fortranOrder: fortranOrder, dataOffset: preamble + length)
    }
}

extension NumPyHeader {
    /// The element type and the byte count of the values this header describes.
    /// - Throws: `DatasetError` naming `path` for an unsupported dtype, Fortran order, or a
    ///   shape whose byte count overflows.
    func checkedPayload(path: String) throws -> (dtype: NumPyDType, bytes: Int) {
        let dtype = try NumPyDType.parse(descriptor, path: path)
        guard !fortranOrder else {
            throw DatasetError(path: path, problem: .badHeader(reason: "the array is in Fortran order; save it in C order (np.ascontiguousarray)"))
        }
        var size = dtype.size
        for dimension in shape {
            let (product, overflow) = size.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw DatasetError(path: path, problem: .badHeader(reason: "shape \(shape) describes more than \(Int.max) bytes"))
            }
            size = product
        }
        return (dtype, size)
    }
}

/// A value of the header dict.
enum HeaderValue: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
}

/// A strict parser of the one-line Python dict literal in a `.npy` header: string keys, and
/// string, `True`/`False` or tuple-of-integers values; nothing else is accepted.
struct DictParser {
    let bytes: [UInt8]
    let path: String
    var position = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    private func fail(_ what: String) -> DatasetError {
        DatasetError(path: path, problem: .badHeader(reason: "malformed .npy header dict: \(what) at character \(position)"))
    }

    private mutating func skipSpace() {
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x0A || bytes[position] == 0x09 { position += 1 }
    }

    private mutating func expect(_ character: UInt8) throws {
        skipSpace()
        guard position < bytes.count, bytes[position] == character else {
            throw fail("expected '\(Character(Unicode.Scalar(character)))'")
        }
        position += 1
    }

    private mutating func peek() -> UInt8? {
        skipSpace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// `{key: value, ...}` with an optional trailing comma, then only white space.
    mutating func parseDict() throws -> [String: HeaderValue] {
        try expect(UInt8(ascii: "{"))
        var entries: [String: HeaderValue] = [:]
        while peek() != UInt8(ascii: "}") {
            let key = try parseString()
            try expect(UInt8(ascii: ":"))
            let value = try parseValue()
            guard entries.updateValue(value, forKey: key) == nil else { throw fail("repeated key '\(key)'") }
            guard peek() == UInt8(ascii: ",") else { break }
            position += 1
        }
        try expect(UInt8(ascii: "}"))
        skipSpace()
        guard position == bytes.count else { throw fail("unexpected text after the dict") }
        return entries
    }

    private mutating func parseValue() throws -> HeaderValue {
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        default:
            for (word, value) in [("True", true), ("False", false)] where bytes[position...].starts(with: Array(word.utf8)) {
                position += word.utf8.count
                return .bool(value)
            }
            throw fail("expected a string, a tuple, True or False")
        }
    }

    private mutating func parseString() throws -> String {
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw fail("expected a quoted string") }
        position += 1
        let begin = position
        while position < bytes.count, bytes[position] != quote {
            guard bytes[position] >= 0x20, bytes[position] < 0x7F, bytes[position] != UInt8(ascii: "\\") else { throw fail("unsupported character in a string") }
            position += 1
        }
        guard position < bytes.count else { throw fail("unterminated string") }
        position += 1
        return String(decoding: bytes[begin..<(position - 1)], as: UTF8.self)
    }

    /// `()`, `(3,)` or `(3, 4)`: non-negative integers, each checked against overflow.
    private mutating func parseTuple() throws -> [Int] {
        try expect(UInt8(ascii: "("))
        var values: [Int] = []
        while let next = peek(), next != UInt8(ascii: ")") {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) else { throw fail("expected a non-negative integer") }
            var value = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int(bytes[position] - UInt8(ascii: "0")))
                guard !o1, !o2 else { throw fail("dimension too large") }
                value = sum
                position += 1
            }
            values.append(value)
            guard peek() == UInt8(ascii: ",") else { break }
            position += 1
        }
        try expect(UInt8(ascii: ")"))
        return values
    }
}
