import LARSCore

/// The two learning-rate factors of a heavy-ball step: `bufferRate` scales the direction
/// `g + beta*w` on its way into the momentum buffer, `stepRate` scales the buffer on its way
/// into the weights. Rate inside the buffer (paper, TF, Caffe): `(gamma, 1)`; after it
/// (PyTorch): `(1, gamma)`; LARS puts its trust ratio into `bufferRate`.
public struct MomentumRates: Sendable, Equatable {
    /// Multiplies `g + beta*w` before it is added to `m*v`.
    public var bufferRate: Float
    /// Multiplies the new buffer (or Nesterov's look-ahead) subtracted from `w`.
    public var stepRate: Float

    /// Creates the pair.
    public init(bufferRate: Float, stepRate: Float) {
        self.bufferRate = bufferRate
        self.stepRate = stepRate
    }
}

extension MomentumPlacement {
    /// Where a plain rate `gamma` goes: `(gamma, 1)` inside the buffer, `(1, gamma)` after it.
    public func rates(_ gamma: Float) -> MomentumRates {
        switch self {
        case .insideMomentum: return MomentumRates(bufferRate: gamma, stepRate: 1)
        case .afterMomentum: return MomentumRates(bufferRate: 1, stepRate: gamma)
        }
    }
}

/// The heavy-ball momentum step every SGD-family update in this module reduces to, over `n`
/// elements of `w`, `g` and the buffer `v`, with `a` = `rates.bufferRate`, `c` = `rates.stepRate`:
///
///     d = g + beta*w                  (coupled L2 weight decay)
///     v = m*v + a*d
///     s = nesterov ? m*v + a*d : v    (Nesterov look-ahead, as TF and PyTorch write it)
///     w = w - c*s
///
/// One fused pass (read w, g, v; write v, w) instead of a chain of axpy/scal calls that would
/// stream the same memory three or four times: the optimizers are memory-bound. LARS and SGD
/// share it, which is why LARS with every parameter excluded equals SGD bit for bit.
@inline(__always)
func momentumStep(
    count n: Int, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
    velocity v: UnsafeMutablePointer<Float>, decay beta: Float, momentum m: Float,
    rates: MomentumRates, nesterov: Bool
) {
    let a = rates.bufferRate, c = rates.stepRate
    // Explicit 8-lane vectors: the optimiser cannot prove that w, g and v do not alias, so the
    // scalar loop stays scalar. Lane-wise IEEE arithmetic gives the same bits as the scalar tail.
    var i = 0
    let vb = SIMD8<Float>(repeating: beta), va = SIMD8<Float>(repeating: a)
    let vm = SIMD8<Float>(repeating: m), vc = SIMD8<Float>(repeating: c)
    let rw = UnsafeMutableRawPointer(w), rg = UnsafeRawPointer(g), rv = UnsafeMutableRawPointer(v)
    while i + 8 <= n {
        let offset = i * MemoryLayout<Float>.stride
        let wi = rw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let gi = rg.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let d = gi + vb * wi
        let vi = vm * rv.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) + va * d
        rv.storeBytes(of: vi, toByteOffset: offset, as: SIMD8<Float>.self)
        let s = nesterov ? vm * vi + va * d : vi
        rw.storeBytes(of: wi - vc * s, toByteOffset: offset, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        let d = g[i] + beta * w[i]
        let vi = m * v[i] + a * d
        v[i] = vi
        w[i] -= c * (nesterov ? m * vi + a * d : vi)
        i += 1
    }
}
