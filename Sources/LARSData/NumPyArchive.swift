/// A NumPy `.npz` archive (`np.savez`, `np.savez_compressed`): a zip file of `.npy` members,
/// read into memory once and each array parsed when asked for.
public struct NumPyArchive: Sendable {
    /// The archive, as named in errors.
    public let path: String
    /// The array names, without `.npy`, in archive order.
    public let names: [String]
    private let bytes: [UInt8]
    private let entries: [String: ZipDirectory.Entry]

    /// Opens the archive at `path` and checks its directory.
    /// - Throws: `DatasetError` naming the file: missing, unreadable, not a zip archive, a
    ///   member that is not a `.npy` file or appears twice, offsets or sizes past the end.
    public init(contentsOf path: String) throws {
        let bytes = try RawFile.read(path, missingHint: "Expected a NumPy .npz archive (np.savez or np.savez_compressed).")
        let directory = try ZipDirectory.parse(bytes, path: path)
        var entries: [String: ZipDirectory.Entry] = [:]
        var names: [String] = []
        for entry in directory.entries {
            guard entry.name.hasSuffix(".npy"), entry.name.count > 4 else {
                throw DatasetError(path: path, problem: .badHeader(reason: "member '\(entry.name)' is not a .npy array"))
            }
            let name = String(entry.name.dropLast(4))
            guard entries.updateValue(entry, forKey: name) == nil else {
                throw DatasetError(path: path, problem: .badHeader(reason: "member '\(entry.name)' appears twice"))
            }
            names.append(name)
        }
        self.path = path
        self.bytes = bytes
        self.entries = entries
        self.names = names
    }

    /// Whether the archive holds an array called `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The array called `name` (the member `name.npy`), inflated and parsed. Its `.npy` header
    /// is read and checked against the member's declared size first (`header(_:)`), so a member
    /// whose header disagrees is refused having inflated a few kilobytes.
    /// - Throws: `DatasetError` naming the archive and the member (`archive.npz[name.npy]`) when
    ///   the member is missing, corrupt or not a valid `.npy` array.
    public func array(_ name: String) throws -> NumPyArray {
        let (entry, memberPath) = try member(name)
        _ = try checkedHeader(entry, memberPath: memberPath)
        let member = try ZipDirectory.extract(entry, from: bytes, path: path)
        return try NumPyArray(npyBytes: member, path: memberPath)
    }

    /// The shape and element type of the array called `name`, from its `.npy` header alone
    /// (the member's first bytes, inflated), checked against the size the archive declares for
    /// the member and against the machine's memory.
    /// - Throws: `DatasetError` as `array(_:)`, and `.tooLarge` for an array larger than memory.
    public func header(_ name: String) throws -> (shape: [Int], dtype: NumPyDType) {
        let (entry, memberPath) = try member(name)
        let (header, dtype) = try checkedHeader(entry, memberPath: memberPath)
        return (header.shape, dtype)
    }

    /// The longest `.npy` header read: NumPy writes headers of at most a few hundred bytes.
    static let headerPrefix = 1 << 16

    private func member(_ name: String) throws -> (ZipDirectory.Entry, String) {
        let memberPath = "\(path)[\(name).npy]"
        guard let entry = entries[name] else {
            throw DatasetError(path: memberPath, problem: .missingFile(
                hint: "The archive holds \(names.isEmpty ? "no arrays" : names.joined(separator: ", "))."))
        }
        return (entry, memberPath)
    }

    private func checkedHeader(_ entry: ZipDirectory.Entry, memberPath: String) throws -> (NumPyHeader, NumPyDType) {
        let head = try ZipDirectory.extract(entry, from: bytes, path: path, prefix: Self.headerPrefix)
        let header: NumPyHeader
        do {
            header = try NumPyHeader.parse(head[...], path: memberPath)
        } catch let error as DatasetError where head.count < entry.uncompressedSize {
            guard case .truncated = error.problem else { throw error }
            throw DatasetError(path: memberPath, problem: .badHeader(reason: "the .npy header is longer than \(Self.headerPrefix) bytes"))
        }
        let (dtype, payload) = try header.checkedPayload(path: memberPath)
        let (total, overflow) = header.dataOffset.addingReportingOverflow(payload)
        guard !overflow, total == entry.uncompressedSize else {
            throw DatasetError(path: memberPath, problem: .badHeader(reason:
                "the archive declares \(entry.uncompressedSize) bytes for the member, but its .npy header describes "
                + "\(overflow ? "more than \(Int.max)" : "\(total)") (shape \(header.shape), \(header.descriptor))"))
        }
        if let memory = PhysicalMemory.bytes, payload > memory {
            throw DatasetError(path: memberPath, problem: .tooLarge(limit: memory, reason:
                "the .npy header declares \(payload) bytes (shape \(header.shape)), more than this machine's memory"))
        }
        return (header, dtype)
    }
}
