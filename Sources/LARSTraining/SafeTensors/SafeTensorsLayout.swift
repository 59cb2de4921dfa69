/// Where each tensor of a safetensors file lies, checked against the header and the size of the
/// data section before a byte of tensor data is read or allocated.
///
/// Every size is computed with overflow checks: a shape of [2^61] or [2^31, 2^31], or a header
/// length of 2^64 - 1, is a refusal naming the file, never an arithmetic trap.
struct SafeTensorsLayout {
    /// One tensor's place in the data section.
    struct Slot {
        var name: String
        var shape: [Int]
        /// The product of `shape`; `4 * elements == end - begin`.
        var elements: Int
        var begin: Int
        var end: Int
    }

    /// The tensors in the order of their data, which they tile exactly.
    var slots: [Slot]
    /// The `__metadata__` entries.
    var metadata: [String: String]

    /// The header length stored little-endian in `lengthField` (the file's first 8 bytes),
    /// checked against the `fileSize` bytes of the whole file and `SafeTensors.maximumHeaderLength`.
    static func headerLength(_ lengthField: [UInt8], fileSize: Int, fail: (String) -> SafeTensorsError) throws -> Int {
        guard lengthField.count == 8, fileSize >= 8 else {
            throw fail("the file is \(fileSize) bytes, too short for the 8-byte header length")
        }
        let declared = lengthField.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let available = fileSize - 8
        guard declared <= UInt64(available) else {
            throw fail("header length \(declared) exceeds the \(available) bytes after the length field (file truncated or not safetensors)")
        }
        guard declared > 0, declared <= UInt64(SafeTensors.maximumHeaderLength) else {
            throw fail("header length \(declared) is outside 1...\(SafeTensors.maximumHeaderLength)")
        }
        return Int(declared)
    }

    /// Checks every entry of `header` against a data section of `dataLength` bytes: dtype F32,
    /// a shape whose byte count matches its range, and ranges that, in order, tile the section
    /// exactly (no overlap, no gap, nothing past the end).
    static func plan(_ header: SafeTensorsHeader, dataLength: Int, fail: (String) -> SafeTensorsError) throws -> SafeTensorsLayout {
        let ordered = header.entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        var slots: [Slot] = []
        for entry in ordered {
            guard entry.dtype == "F32" else {
                throw fail("tensor '\(entry.name)' has dtype \(entry.dtype); swift-lars reads F32 tensors only")
            }
            guard entry.begin <= entry.end else {
                throw fail("tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] with begin after end")
            }
            guard entry.end <= dataLength else {
                throw fail("tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] beyond the \(dataLength)-byte data section")
            }
            let elements = try elementCount(entry, fail: fail)
            // The range already fits in the file, so a byte count that overflows cannot match it.
            let (bytes, overflow) = elements.multipliedReportingOverflow(by: 4)
            guard !overflow, bytes == entry.end - entry.begin else {
                throw fail("tensor '\(entry.name)' of shape \(entry.shape) needs \(elements) x 4 bytes but data_offsets "
                    + "[\(entry.begin), \(entry.end)] span \(entry.end - entry.begin)")
            }
            if entry.begin < cursor {
                throw fail("tensor '\(entry.name)' at data_offsets [\(entry.begin), \(entry.end)] overlaps the tensor before it (which ends at \(cursor))")
            }
            if entry.begin > cursor {
                throw fail("gap in the data section: bytes \(cursor)..<\(entry.begin) belong to no tensor (before '\(entry.name)')")
            }
            slots.append(Slot(name: entry.name, shape: entry.shape, elements: elements, begin: entry.begin, end: entry.end))
            cursor = entry.end
        }
        guard cursor == dataLength else {
            throw fail("the data section holds \(dataLength) bytes but the tensors cover only \(cursor) (trailing bytes or a wrong header)")
        }
        return SafeTensorsLayout(slots: slots, metadata: header.metadata)
    }

    /// The product of `entry.shape`, refused when it overflows. The product is taken in the
    /// order `Tensor(shape:scalars:)` takes it, so a shape accepted here cannot trap there.
    private static func elementCount(_ entry: SafeTensorsHeader.Entry, fail: (String) -> SafeTensorsError) throws -> Int {
        var elements = 1
        for d in entry.shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw fail("tensor '\(entry.name)' has shape \(entry.shape), whose element count overflows")
            }
            elements = product
        }
        return elements
    }
}
