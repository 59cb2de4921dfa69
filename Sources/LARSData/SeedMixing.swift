/// Derives independent 64-bit seeds from a run seed and coordinates such as (epoch, image
/// index), so that each random choice depends only on those values and not on how many
/// random numbers were drawn before it (which would change with batch size, sharding or resume).
enum SeedMixing {
    /// What a derived seed is for; distinct streams never share seeds.
    enum Stream: UInt64 {
        case shuffle = 0x5348_5546  // "SHUF"
        case augmentation = 0x4155_474D  // "AUGM"
    }

    /// SplitMix64's finaliser: a bijective 64-bit mix.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed for `stream` at (`seed`, `epoch`, `index`).
    static func seed(_ seed: UInt64, stream: Stream, epoch: Int, index: Int = 0) -> UInt64 {
        var h = mix(seed ^ stream.rawValue)
        h = mix(h ^ UInt64(truncatingIfNeeded: epoch))
        return mix(h ^ UInt64(truncatingIfNeeded: index))
    }

    /// A number in `0..<bound` from `generator` by multiply-high (bias below 2^-40 for the
    /// bounds used here), written out so that it cannot change with the standard library.
    @inline(__always)
    static func below(_ bound: Int, _ generator: inout SeededGenerator) -> Int {
        Int(truncatingIfNeeded: generator.next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
