import Glibc

extension NumPyArray {
    /// An array of `Float` values with `shape` (C order); the product of `shape` must equal
    /// `values.count`.
    public init(shape: [Int], floats values: [Float]) {
        guard shape.reduce(1, *) == values.count else { fatalError("NumPyArray: shape \(shape) does not hold \(values.count) values") }
        self.init(shape: shape, dtype: .float32, payload: values.withUnsafeBytes { Array($0) })
    }

    /// An array of bytes with `shape` (C order).
    public init(shape: [Int], bytes values: [UInt8]) {
        guard shape.reduce(1, *) == values.count else { fatalError("NumPyArray: shape \(shape) does not hold \(values.count) values") }
        self.init(shape: shape, dtype: .uint8, payload: values)
    }

    /// An `int64` array with `shape` (C order), such as labels.
    public init(shape: [Int], integers values: [Int]) {
        guard shape.reduce(1, *) == values.count else { fatalError("NumPyArray: shape \(shape) does not hold \(values.count) values") }
        self.init(shape: shape, dtype: .int64, payload: values.map { Int64($0) }.withUnsafeBytes { Array($0) })
    }

    /// The array as a version-1 `.npy` file (`np.load` reads it), its header padded to 64 bytes.
    public var npyBytes: [UInt8] {
        let order = dtype.size == 1 ? "|" : "<"
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(order)\(dtype.rawValue)', 'fortran_order': False, 'shape': (\(dims)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        return NumPyHeader.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(header.utf8) + payload
    }

    /// Writes the array as a `.npy` file at `path`, replacing any file there.
    /// - Throws: `DatasetError` `.unreadable` (with the system's reason) when it cannot be written.
    public func write(to path: String) throws {
        try RawFile.write(npyBytes, to: path)
    }
}

extension RawFile {
    /// Writes `bytes` to `path`, replacing any file there.
    static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else {
            throw DatasetError(path: path, problem: .unreadable(reason: "cannot create it: " + String(cString: strerror(errno))))
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard fclose(file) == 0, written == bytes.count else {
            throw DatasetError(path: path, problem: .unreadable(reason: "cannot write it: " + String(cString: strerror(errno))))
        }
    }
}
