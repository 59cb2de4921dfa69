import LARSCore

// The norms and the finiteness scan the optimizers take of whole tensors, in Float SIMD lanes
// with an overflow-safe fallback.

/// Whether a Float sum of squares can be trusted: 2^-100 (~7.9e-31) and above, no square of a
/// contributing element has flushed to zero or lost many bits; 2^120 (~1.3e36) and below, no
/// partial sum can have passed Float.greatestFiniteMagnitude on the way. NaN fails both.
@inline(__always)
func isSafeSumOfSquares(_ s: Float) -> Bool { s >= 0x1p-100 && s <= 0x1p120 }

/// The Euclidean norm, fast and overflow-safe: the square root of a Float SIMD sum of squares
/// whenever that sum is safely inside Float's range, and the backend's scaled, overflow-free
/// `nrm2` otherwise (huge or tiny elements, NaN, infinity, or all zeros). OpenBLAS's `snrm2`
/// scales as it sums and is slower than the SIMD sum (docs/performance.md).
@inline(__always)
func euclideanNorm(count n: Int, _ x: UnsafePointer<Float>, backend: any KernelBackend) -> Float {
    checkedRoot(sumOfSquaresFloat(count: n, x), count: n, x, backend: backend)
}

/// Σx² in Float lanes (16 partial sums); see `squaredNormsFloat` for the range caveats.
@inline(__always)
func sumOfSquaresFloat(count n: Int, _ x: UnsafePointer<Float>) -> Float {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
    let raw = UnsafeRawPointer(x)
    let step = MemoryLayout<SIMD8<Float>>.size
    var i = 0
    while i + 16 <= n {
        let offset = i * MemoryLayout<Float>.stride
        let a = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let b = raw.loadUnaligned(fromByteOffset: offset + step, as: SIMD8<Float>.self)
        s0 += a * a
        s1 += b * b
        i += 16
    }
    var s = (s0 + s1).sum()
    while i < n { s += x[i] * x[i]; i += 1 }
    return s
}

/// ‖w‖ and ‖g‖ in one pass over both tensors (`squaredNormsFloat`), each falling back to the
/// backend's overflow-safe `nrm2` when its sum of squares is outside the safe range.
@inline(__always)
func euclideanNorms(
    count n: Int, _ w: UnsafePointer<Float>, _ g: UnsafePointer<Float>, backend: any KernelBackend
) -> (Float, Float) {
    let (sw, sg) = squaredNormsFloat(count: n, w, g)
    return (checkedRoot(sw, count: n, w, backend: backend), checkedRoot(sg, count: n, g, backend: backend))
}

/// sqrt(s) when the Float sum of squares `s` of `x` is safe; NaN when it is NaN (a NaN element:
/// no need to trust every `nrm2` to propagate it); the backend's `nrm2` otherwise.
@inline(__always)
func checkedRoot(_ s: Float, count n: Int, _ x: UnsafePointer<Float>, backend: any KernelBackend) -> Float {
    if isSafeSumOfSquares(s) { return s.squareRoot() }
    if s.isNaN { return .nan }
    return backend.nrm2(n: n, x: x)
}

/// ‖g + beta*w‖ without materialising the sum, accumulated in Double so that it can neither
/// overflow nor underflow for finite inputs (a Float square is below 1.2e77, far inside Double).
/// Used by the `.updateNorm` denominator of LARS (TF Model Garden, optax).
@inline(__always)
func decayedGradientNorm(
    count n: Int, gradient g: UnsafePointer<Float>, weights w: UnsafePointer<Float>, decay beta: Float
) -> Float {
    var partial = SIMD4<Double>()
    var i = 0
    let b = Double(beta)
    while i + 4 <= n {
        let gv = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
        let wv = SIMD4<Double>(Double(w[i]), Double(w[i + 1]), Double(w[i + 2]), Double(w[i + 3]))
        let d = gv + b * wv
        partial += d * d
        i += 4
    }
    var sum = partial.sum()
    while i < n {
        let d = Double(g[i]) + b * Double(w[i])
        sum += d * d
        i += 1
    }
    return Float(sum.squareRoot())
}

/// Whether every element is finite: the non-finite check every optimizer runs over all
/// gradients before anything moves. x - x is 0 for finite x and NaN for NaN or infinity, and sums
/// keep NaN; four accumulators so the pass runs at load speed, not at one add's latency.
@inline(__always)
func allFinite(count n: Int, _ x: UnsafePointer<Float>) -> Bool {
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    let raw = UnsafeRawPointer(x)
    let lane = MemoryLayout<SIMD8<Float>>.size
    var i = 0
    while i + 32 <= n {
        let offset = i * MemoryLayout<Float>.stride
        let v0 = raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: offset + lane, as: SIMD8<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: offset + 2 * lane, as: SIMD8<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: offset + 3 * lane, as: SIMD8<Float>.self)
        a0 += v0 - v0; a1 += v1 - v1; a2 += v2 - v2; a3 += v3 - v3
        i += 32
    }
    var tail: Float = 0
    while i < n { tail += x[i] - x[i]; i += 1 }
    return ((a0 + a1) + (a2 + a3)).sum() == 0 && tail == 0
}

/// Σw² and Σg² in one pass in Float lanes (16 partial sums each, so rounding error stays near
/// 1e-6 relative for ResNet-sized tensors). A sum can overflow (elements beyond ~1e19) or lose
/// tiny elements; callers check `isSafeSumOfSquares` and fall back to `nrm2`. Not in Double:
/// the conversions make the loop compute-bound (docs/performance.md).
@inline(__always)
func squaredNormsFloat(count n: Int, _ w: UnsafePointer<Float>, _ g: UnsafePointer<Float>) -> (Float, Float) {
    var sw0 = SIMD8<Float>(), sw1 = SIMD8<Float>(), sg0 = SIMD8<Float>(), sg1 = SIMD8<Float>()
    let rw = UnsafeRawPointer(w), rg = UnsafeRawPointer(g)
    let step = MemoryLayout<SIMD8<Float>>.size
    var i = 0
    while i + 16 <= n {
        let offset = i * MemoryLayout<Float>.stride
        let w0 = rw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let w1 = rw.loadUnaligned(fromByteOffset: offset + step, as: SIMD8<Float>.self)
        let g0 = rg.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
        let g1 = rg.loadUnaligned(fromByteOffset: offset + step, as: SIMD8<Float>.self)
        sw0 += w0 * w0; sw1 += w1 * w1
        sg0 += g0 * g0; sg1 += g1 * g1
        i += 16
    }
    var sw = (sw0 + sw1).sum(), sg = (sg0 + sg1).sum()
    while i < n {
        sw += w[i] * w[i]; sg += g[i] * g[i]
        i += 1
    }
    return (sw, sg)
}
