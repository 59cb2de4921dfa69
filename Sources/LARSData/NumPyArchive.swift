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

    /// The array called `name` (the member `name.npy`), inflated and parsed.
    /// - Throws: `DatasetError` naming the archive and the member (`archive.npz[name.npy]`) when
    ///   the member is missing, corrupt or not a valid `.npy` array.
    public func array(_ name: String) throws -> NumPyArray {
        let memberPath = "\(path)[\(name).npy]"
        guard let entry = entries[name] else {
            throw DatasetError(path: memberPath, problem: .missingFile(
                hint: "The archive holds \(names.isEmpty ? "no arrays" : names.joined(separator: ", "))."))
        }
        let member = try ZipDirectory.extract(entry, from: bytes, path: path)
        return try NumPyArray(npyBytes: member, path: memberPath)
    }
}
