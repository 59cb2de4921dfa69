/// The simple gradient noise scale B_simple = tr(Σ) / |G|² of McCandlish et al. 2018 ("An
/// Empirical Model of Large-Batch Training", arXiv 1812.06162, Appendix A): Σ is the covariance
/// of per-example gradients and G their mean. It estimates the critical batch size, beyond which
/// doubling the batch no longer nearly halves the steps to a given loss.
///
/// Two gradients of the same step at two batch sizes give unbiased estimates of both terms:
/// with |G_small|² the mean of the squared norms of gradients over `B_small` examples each and
/// |G_big|² the squared norm of the gradient over all `B_big` examples,
///
///     |G|²  ≈ (B_big |G_big|² − B_small |G_small|²) / (B_big − B_small)
///     tr(Σ) ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
///
/// Each is noisy (|G|² can come out negative), so both are exponentially averaged over steps
/// before the division, as the paper and gpt-neox's `gradient_noise_scale.py` do. The averages
/// are bias-corrected (Adam's way), so the first steps are not pulled towards zero.
public struct GradientNoiseScale: Sendable, Equatable {
    /// The weight an average keeps of its past at each step, in [0, 1).
    public let decay: Double
    /// Steps folded in.
    public private(set) var count = 0
    private var gradientSum = 0.0
    private var traceSum = 0.0
    private var weightSum = 0.0

    /// An estimator whose averages keep `decay` of their past per step (0.95: about the last
    /// twenty steps count).
    public init(decay: Double = 0.95) {
        precondition(decay >= 0 && decay < 1, "decay must lie in [0, 1)")
        self.decay = decay
    }

    /// The unbiased estimates of one step: |G|² and tr(Σ) from the mean squared norm of the
    /// small-batch gradients (`smallSquaredNorm`, each over `smallBatch` examples) and the squared
    /// norm of the big-batch gradient (`bigSquaredNorm`, over `bigBatch` examples). `nil` unless
    /// `0 < smallBatch < bigBatch` and both norms are finite.
    public static func estimates(
        smallSquaredNorm: Double, smallBatch: Int, bigSquaredNorm: Double, bigBatch: Int
    ) -> (gradientSquaredNorm: Double, trace: Double)? {
        guard smallBatch > 0, bigBatch > smallBatch, smallSquaredNorm.isFinite, bigSquaredNorm.isFinite else { return nil }
        let bs = Double(smallBatch), bb = Double(bigBatch)
        let gradient = (bb * bigSquaredNorm - bs * smallSquaredNorm) / (bb - bs)
        let trace = (smallSquaredNorm - bigSquaredNorm) / (1 / bs - 1 / bb)
        return (gradient, trace)
    }

    /// Folds one step's measurement into the averages; a step whose estimates do not exist
    /// (`estimates` returns `nil`) is ignored.
    public mutating func add(smallSquaredNorm: Double, smallBatch: Int, bigSquaredNorm: Double, bigBatch: Int) {
        guard let e = Self.estimates(
            smallSquaredNorm: smallSquaredNorm, smallBatch: smallBatch, bigSquaredNorm: bigSquaredNorm, bigBatch: bigBatch)
        else { return }
        gradientSum = decay * gradientSum + (1 - decay) * e.gradientSquaredNorm
        traceSum = decay * traceSum + (1 - decay) * e.trace
        weightSum = decay * weightSum + (1 - decay)
        count += 1
    }

    /// The averaged |G|² estimate, or `nil` before the first step.
    public var gradientSquaredNorm: Double? { count > 0 ? gradientSum / weightSum : nil }

    /// The averaged tr(Σ) estimate (per-example gradient variance summed over parameters), or `nil`.
    public var trace: Double? { count > 0 ? traceSum / weightSum : nil }

    /// B_simple = tr(Σ) / |G|² in examples, or `nil` before the first step or while either average
    /// is not positive (the gradient still lost in the noise, or too few steps for the variance).
    public var simple: Double? {
        guard let g = gradientSquaredNorm, let t = trace, g > 0, t > 0 else { return nil }
        return t / g
    }
}

/// Σ (a[i] − b[i])², in Float SIMD lanes (16 partial sums), then copies `a` into `b`: the squared
/// norm of what was added to an accumulated gradient `a` since its copy `b` was taken, in one
/// pass over both.
@inline(__always)
func squaredDifferenceThenCopy(count n: Int, _ a: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>) -> Double {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
    let ra = UnsafeRawPointer(a), rb = UnsafeMutableRawPointer(b)
    let lane = MemoryLayout<SIMD8<Float>>.size
    var i = 0
    while i + 16 <= n {
        let offset = i * MemoryLayout<Float>.stride
        let a0 = ra.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let a1 = ra.loadUnaligned(fromByteOffset: offset + lane, as: SIMD8<Float>.self)
        let d0 = a0 - rb.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let d1 = a1 - rb.loadUnaligned(fromByteOffset: offset + lane, as: SIMD8<Float>.self)
        s0 += d0 * d0
        s1 += d1 * d1
        rb.storeBytes(of: a0, toByteOffset: offset, as: SIMD8<Float>.self)
        rb.storeBytes(of: a1, toByteOffset: offset + lane, as: SIMD8<Float>.self)
        i += 16
    }
    var s = Double((s0 + s1).sum())
    while i < n {
        let d = a[i] - b[i]
        s += Double(d * d)
        b[i] = a[i]
        i += 1
    }
    return s
}
