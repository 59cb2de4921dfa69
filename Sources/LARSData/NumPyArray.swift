/// The element types a NumPy array may hold here: pixels as `uint8` or `float32`, labels as
/// any little-endian integer.
public enum NumPyDType: String, Sendable, CaseIterable {
    /// `|u1`: unsigned bytes (pixels or labels).
    case uint8 = "u1"
    /// `|i1`: signed bytes (labels).
    case int8 = "i1"
    /// `<u2` / `<i2`: 16-bit integers (labels).
    case uint16 = "u2", int16 = "i2"
    /// `<u4` / `<i4`: 32-bit integers (labels).
    case uint32 = "u4", int32 = "i4"
    /// `<u8` / `<i8`: 64-bit integers (labels; NumPy's and PyTorch's default).
    case uint64 = "u8", int64 = "i8"
    /// `<f4`: 32-bit floats (pixels or features).
    case float32 = "f4"

    /// Bytes per element.
    public var size: Int { Int(rawValue.dropFirst())! }
    /// Whether the type is an integer type.
    public var isInteger: Bool { self != .float32 }

    /// The type a `.npy` descriptor such as `<f4` or `|u1` names.
    /// - Throws: `DatasetError` `.badHeader` naming `path` for any other descriptor.
    static func parse(_ descriptor: String, path: String) throws -> NumPyDType {
        func refuse(_ reason: String) -> DatasetError { DatasetError(path: path, problem: .badHeader(reason: reason)) }
        guard let order = descriptor.first, let type = NumPyDType(rawValue: String(descriptor.dropFirst())) else {
            throw refuse("dtype '\(descriptor)' is not supported (uint8 or float32 images, integer labels)")
        }
        switch order {
        case "<": return type
        case "|", "=": if type.size == 1 { return type } else { throw refuse("dtype '\(descriptor)' has no byte order") }
        case ">": throw refuse("dtype '\(descriptor)' is big-endian; save the array as '<\(type.rawValue)' (little-endian)")
        default: throw refuse("dtype '\(descriptor)' has an unknown byte order")
        }
    }
}

/// One NumPy array read from a `.npy` file or an `.npz` member: its shape, element type and the
/// raw little-endian values in C (row-major) order, checked against the header.
public struct NumPyArray: Sendable {
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The element type.
    public let dtype: NumPyDType
    /// The values' bytes, `count * dtype.size` of them.
    let payload: [UInt8]

    /// Wraps checked values.
    init(shape: [Int], dtype: NumPyDType, payload: [UInt8]) {
        self.shape = shape
        self.dtype = dtype
        self.payload = payload
    }

    /// The number of elements (the product of `shape`).
    public var count: Int { payload.count / dtype.size }

    /// Parses a whole `.npy` file held in `bytes`.
    /// - Throws: `DatasetError` naming `path` for a bad magic string or header, an unsupported
    ///   dtype, Fortran order, sizes that overflow, or data shorter or longer than the shape.
    public init(npyBytes bytes: [UInt8], path: String) throws {
        let header = try NumPyHeader.parse(bytes[...], path: path)
        let (dtype, size) = try header.checkedPayload(path: path)
        let available = bytes.count - header.dataOffset
        if available < size {
            throw DatasetError(path: path, problem: .truncated(
                record: "array of shape \(header.shape) (\(header.descriptor))", offset: header.dataOffset, needed: size, fileSize: bytes.count))
        }
        if available > size {
            throw DatasetError(path: path, problem: .trailingBytes(offset: header.dataOffset + size, count: available - size))
        }
        self.shape = header.shape
        self.dtype = dtype
        self.payload = Array(bytes[header.dataOffset...])
    }

    /// Reads the `.npy` file at `path`.
    /// - Throws: `DatasetError` naming the file: missing, unreadable, or malformed as in
    ///   `init(npyBytes:path:)`.
    public init(contentsOf path: String) throws {
        let bytes = try RawFile.read(path, missingHint: "Expected a NumPy .npy file (np.save).")
        try self.init(npyBytes: bytes, path: path)
    }

    /// The values as bytes; the array must be `uint8`.
    public func uint8Values() -> [UInt8]? { dtype == .uint8 ? payload : nil }

    /// The values as `Float`; the array must be `float32`. (The bytes are little-endian, as
    /// on every platform this package builds for, so they are copied as they are.)
    public func floatValues() -> [Float]? {
        guard dtype == .float32 else { return nil }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { out in payload.withUnsafeBytes { out.copyMemory(from: $0) } }
        return values
    }

    /// The values as `Int`; the array must hold integers. A `uint64` above `Int.max` is `nil`.
    public func integerValues() -> [Int]? {
        guard dtype.isInteger else { return nil }
        var values = [Int](repeating: 0, count: count)
        let size = dtype.size
        let signed = dtype.rawValue.hasPrefix("i")
        for index in 0..<count {
            var raw: UInt64 = 0
            for byte in (0..<size).reversed() { raw = raw << 8 | UInt64(payload[index * size + byte]) }
            if signed && size < 8 && raw >> (size * 8 - 1) == 1 { raw |= ~0 << (size * 8) }  // Sign-extend.
            if !signed && raw > UInt64(Int.max) { return nil }
            values[index] = Int(truncatingIfNeeded: raw)
        }
        return values
    }
}
