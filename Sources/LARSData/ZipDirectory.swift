/// The central directory of a zip archive held in memory (the container of NumPy's `.npz`),
/// every offset and size checked against the archive's real length before use.
///
/// Supports what `np.savez` and `np.savez_compressed` write: stored and deflated members, with
/// or without zip64 fields; refuses encryption, multi-disk archives and other methods.
struct ZipDirectory {
    /// One member as the central directory describes it.
    struct Entry {
        var name: String
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    /// The members in directory order.
    var entries: [Entry]

    /// Little-endian reads that throw instead of reading past the end.
    struct Reader {
        let bytes: [UInt8]
        let path: String

        func check(_ offset: Int, _ count: Int, _ what: String) throws {
            guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                throw DatasetError(path: path, problem: .truncated(record: what, offset: offset, needed: count, fileSize: bytes.count))
            }
        }

        func uint(_ offset: Int, _ size: Int) -> Int {
            var value = 0
            for i in (0..<size).reversed() { value = value << 8 | Int(bytes[offset + i]) }
            return value
        }

        func bad(_ reason: String) -> DatasetError { DatasetError(path: path, problem: .badHeader(reason: reason)) }
    }

    /// Parses the directory of the archive `bytes`.
    /// - Throws: `DatasetError` naming `path`: `.badMagic` when the file is not a zip archive,
    ///   `.badHeader` when it starts as one but has no end-of-directory record (truncated), `.truncated` for records past the end, `.badHeader` for impossible values.
    static func parse(_ bytes: [UInt8], path: String) throws -> ZipDirectory {
        let r = Reader(bytes: bytes, path: path)
        let end = try endRecord(r)
        let (count, directorySize, directoryOffset) = try directoryExtent(r, endRecord: end)
        try r.check(directoryOffset, directorySize, "zip central directory")
        // Each entry takes at least 46 bytes, which bounds the count before any allocation.
        guard count >= 0, count <= directorySize / 46 else { throw r.bad("\(count) members cannot fit a \(directorySize)-byte directory") }
        var entries: [Entry] = []
        var position = directoryOffset
        for index in 0..<count {
            let (entry, length) = try readEntry(r, at: position, index: index)
            entries.append(entry)
            position += length
        }
        return ZipDirectory(entries: entries)
    }

    /// The offset of the end-of-central-directory record (22 bytes plus a comment of up to
    /// 65,535), found by scanning back from the end.
    private static func endRecord(_ r: Reader) throws -> Int {
        let bytes = r.bytes
        var offset = bytes.count - 22
        while offset >= 0 && offset >= bytes.count - 22 - 0xFFFF {
            if r.uint(offset, 4) == 0x0605_4B50 && offset + 22 + r.uint(offset + 20, 2) == bytes.count {
                return offset
            }
            offset -= 1
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw r.bad("a zip archive without its end-of-central-directory record: the file is truncated (cut short or still being written)")
        }
        let found = bytes.prefix(4).map { String($0, radix: 16) }.joined(separator: " ")
        throw DatasetError(path: r.path, problem: .badMagic(expected: "a zip archive (NumPy .npz)", found: found))
    }

    /// The member count and the directory's size and offset, from the end record or, when it
    /// saturates a field, from the zip64 end record.
    private static func directoryExtent(_ r: Reader, endRecord end: Int) throws -> (count: Int, size: Int, offset: Int) {
        let count = r.uint(end + 10, 2)
        let directorySize = r.uint(end + 12, 4)
        let directoryOffset = r.uint(end + 16, 4)
        guard r.uint(end + 4, 2) == 0, r.uint(end + 6, 2) == 0 else { throw r.bad("multi-disk zip archives are not supported") }
        guard count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF else {
            return (count, directorySize, directoryOffset)
        }
        // Zip64: a locator just before the end record points at the zip64 end record.
        try r.check(end - 20, 20, "zip64 end-of-directory locator")
        guard r.uint(end - 20, 4) == 0x0706_4B50 else { throw r.bad("zip64 end-of-directory locator missing") }
        let record = r.uint(end - 12, 8)
        try r.check(record, 56, "zip64 end-of-directory record")
        guard r.uint(record, 4) == 0x0606_4B50 else { throw r.bad("zip64 end-of-directory record missing at byte \(record)") }
        return (r.uint(record + 32, 8), r.uint(record + 40, 8), r.uint(record + 48, 8))
    }

    /// The directory entry at `position` and its length in bytes.
    private static func readEntry(_ r: Reader, at position: Int, index: Int) throws -> (entry: Entry, length: Int) {
        try r.check(position, 46, "zip directory entry \(index)")
        guard r.uint(position, 4) == 0x0201_4B50 else { throw r.bad("zip directory entry \(index) has a bad signature") }
        let flags = r.uint(position + 8, 2)
        let nameLength = r.uint(position + 28, 2), extraLength = r.uint(position + 30, 2)
        let commentLength = r.uint(position + 32, 2)
        try r.check(position + 46, nameLength + extraLength + commentLength, "zip directory entry \(index)")
        let name = String(decoding: r.bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
        guard flags & 1 == 0 else { throw r.bad("member '\(name)' is encrypted") }
        var entry = Entry(
            name: name, method: r.uint(position + 10, 2), crc: UInt32(r.uint(position + 16, 4)),
            compressedSize: r.uint(position + 20, 4), uncompressedSize: r.uint(position + 24, 4),
            localHeaderOffset: r.uint(position + 42, 4))
        try readZip64(r, extra: (position + 46 + nameLength)..<(position + 46 + nameLength + extraLength), into: &entry)
        return (entry, 46 + nameLength + extraLength + commentLength)
    }

    /// Replaces the 32-bit fields saturated at 0xFFFFFFFF by the zip64 extra field's values.
    private static func readZip64(_ r: Reader, extra: Range<Int>, into entry: inout Entry) throws {
        var position = extra.lowerBound
        while position + 4 <= extra.upperBound {
            let id = r.uint(position, 2), size = r.uint(position + 2, 2)
            guard position + 4 + size <= extra.upperBound else { throw r.bad("member '\(entry.name)' has a truncated extra field") }
            if id == 0x0001 {
                var field = position + 4
                for keyPath in [\Entry.uncompressedSize, \Entry.compressedSize, \Entry.localHeaderOffset] where entry[keyPath: keyPath] == 0xFFFF_FFFF {
                    guard field + 8 <= position + 4 + size else { throw r.bad("member '\(entry.name)' has a short zip64 field") }
                    let value = r.uint(field, 8)
                    guard value >= 0 else { throw r.bad("member '\(entry.name)' has a zip64 size beyond \(Int.max)") }
                    entry[keyPath: keyPath] = value
                    field += 8
                }
            }
            position += 4 + size
        }
    }
}
