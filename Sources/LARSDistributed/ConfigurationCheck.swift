import LARSTraining

extension ProcessGroup {
    /// Refuses to start when the ranks were launched with different configurations, for example
    /// `mpirun -np 1 lars-train --lr 0.1 : -np 1 lars-train --lr 0.2`.
    ///
    /// Every rank passes its own `items` (typically its command-line flags, or `key=value` lines).
    /// Rank 0's items are broadcast and compared on every rank; if any rank differs, the lowest
    /// such rank's items are broadcast too, and every rank throws the same
    /// `DistributedError.configurationMismatch` naming the first difference, so that all ranks
    /// stop at start instead of some of them waiting in the first collective. A collective call:
    /// all ranks must make it.
    public func requireSameConfiguration(_ items: [String]) throws {
        guard size > 1 else { return }
        let mine = ConfigurationItems.encode(items)
        let rootItems = ConfigurationItems.decode(try broadcastBytes(mine, root: 0))

        // One slot per rank: 1 where that rank differs from rank 0.
        var differing = [Double](repeating: 0, count: size)
        if rootItems != items { differing[rank] = 1 }
        try differing.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        guard let first = differing.firstIndex(where: { $0 != 0 }) else { return }

        let firstItems = ConfigurationItems.decode(try broadcastBytes(mine, root: first))
        let count = differing.filter { $0 != 0 }.count
        let others = count > 1 ? " (and \(count - 1) other rank\(count > 2 ? "s" : ""))" : ""
        let difference = ConfigurationItems.firstDifference(rootItems, firstItems, otherRank: first)
        throw DistributedError.configurationMismatch(explanation: "\(difference)\(others)")
    }

    /// Broadcasts a byte array whose length only `root` knows: the length first, then the bytes.
    private func broadcastBytes(_ mine: [UInt8], root: Int) throws -> [UInt8] {
        var length = [UInt64(rank == root ? mine.count : 0)]
        try length.withUnsafeMutableBytes { try broadcast($0, root: root) }
        var bytes = rank == root ? mine : [UInt8](repeating: 0, count: Int(length[0]))
        if !bytes.isEmpty {
            try bytes.withUnsafeMutableBytes { try broadcast($0, root: root) }
        }
        return bytes
    }
}

/// The wire form of a configuration (items joined by a separator that flags do not contain) and
/// the wording of the first difference between two of them.
enum ConfigurationItems {
    /// ASCII "unit separator".
    static let separator: UInt8 = 0x1F

    static func encode(_ items: [String]) -> [UInt8] {
        // A leading count keeps `[]` and `[""]` apart.
        var bytes = Array("\(items.count)".utf8)
        for item in items {
            bytes.append(separator)
            bytes.append(contentsOf: item.utf8)
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) -> [String] {
        let parts = bytes.split(separator: separator, omittingEmptySubsequences: false)
        return parts.dropFirst().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Names the first item where `root` (rank 0's) and `other` (rank `otherRank`'s) differ, with
    /// the item before it as context (usually the flag whose value differs).
    static func firstDifference(_ root: [String], _ other: [String], otherRank: Int) -> String {
        let common = min(root.count, other.count)
        let index = (0..<common).first { root[$0] != other[$0] } ?? common
        let context = index > 0 ? " after `\(root[index - 1])`" : ""
        func show(_ items: [String]) -> String {
            index < items.count ? "`\(items[index])`" : "nothing (\(items.count) items)"
        }
        return "item \(index + 1)\(context): rank 0 has \(show(root)), rank \(otherRank) has \(show(other))"
    }
}
