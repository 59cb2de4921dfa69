/// A seedable random number generator (xoshiro256**, seeded through SplitMix64) that gives the
/// same stream for the same seed on every machine and Swift version, unlike
/// `SystemRandomNumberGenerator`. Its whole state is four words, so it can be checkpointed.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The four state words; save them to resume the exact stream.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the generator from one 64-bit value.
    public init(seed: UInt64) {
        var s = seed
        func splitMix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(&s), splitMix(&s), splitMix(&s), splitMix(&s))
    }

    /// Restores a generator from saved state words; they must not all be zero.
    public init(state words: [UInt64]) {
        userPrecondition(words.count == 4, "SeededGenerator state has 4 words, got \(words.count)")
        userPrecondition(words.contains { $0 != 0 }, "SeededGenerator state must not be all zero")
        state = (words[0], words[1], words[2], words[3])
    }

    /// The state as an array, for checkpoints.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    @inline(__always) private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform Float in [0, 1), from the top 24 bits (every value is exactly representable).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform Float in `[lower, upper)`.
    public mutating func nextFloat(in lower: Float, _ upper: Float) -> Float {
        lower + (upper - lower) * nextUnitFloat()
    }

    /// A standard normal sample (Box-Muller in Double, so the tails are right).
    public mutating func nextNormal() -> Float {
        // 53-bit uniforms in (0, 1]: the log never sees zero.
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * Elementary.log(u1)).squareRoot() * Elementary.cos(2 * Double.pi * u2))
    }

    /// A uniform integer in `0..<upperBound` without modulo bias.
    public mutating func nextInt(below upperBound: Int) -> Int {
        userPrecondition(upperBound > 0, "nextInt(below:) needs a positive bound, got \(upperBound)")
        return Int(next(upperBound: UInt64(upperBound)))
    }

    public static func == (lhs: SeededGenerator, rhs: SeededGenerator) -> Bool {
        lhs.stateWords == rhs.stateWords
    }

    private enum CodingKeys: String, CodingKey { case state }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorruptedError(
                forKey: .state, in: container, debugDescription: "SeededGenerator state must be 4 words, not all zero")
        }
        self.init(state: words)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stateWords, forKey: .state)
    }
}
