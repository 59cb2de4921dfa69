/// A short identity of a data set's content, recorded in checkpoints so that a resumed run can
/// tell that the data behind the same path changed (`swift-lars` 64-bit content hash: not
/// cryptographic, but any change of a pixel, a label or the geometry changes it).
extension ImageDataset {
    /// `N x CxHxW, K classes, <16 hex digits>`: the geometry and a hash of every pixel (bytes or
    /// floats) and label.
    /// Costs one pass over the images.
    public var fingerprint: String {
        var hash = ContentHash()
        images.withUnsafeBytes { hash.add($0) }
        floatImages?.withUnsafeBytes { hash.add($0) }
        labels.withUnsafeBytes { hash.add($0) }
        return "\(count) x \(channels)x\(height)x\(width), \(classCount) classes, " + hash.hex
    }
}

/// A streaming 64-bit hash over bytes, eight at a time (a multiply-xorshift mix per word): fast
/// (a few GB/s) and sensitive to every bit, not cryptographic. Data fingerprints and checkpoint
/// integrity use it.
public struct ContentHash: Sendable, Equatable {
    /// The hash of everything added so far.
    public private(set) var value: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// An empty hash.
    public init() {}

    /// `value` as 16 hexadecimal digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Mixes `bytes` (with their count, so that splits differ from concatenations) into the hash.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var h = value ^ UInt64(bytes.count)
        let words = bytes.count / 8
        for i in 0..<words {
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
        }
        var tail: UInt64 = 0
        for i in (words * 8)..<bytes.count { tail = tail << 8 | UInt64(bytes[i]) }
        value = mix(h ^ tail)
    }

    private func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        return z &* 0x94D0_49BB_1331_11EB
    }
}
