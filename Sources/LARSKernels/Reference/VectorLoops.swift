// Inner loops of the non-BLAS layers, written with explicit SIMD8 so that they vectorise:
// LLVM will not reorder a Float reduction on its own (it would change the rounding), and a
// data-dependent branch such as ReLU's costs a misprediction on half of the elements.

typealias Float8 = SIMD8<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> Float8 { UnsafeRawPointer(p).loadUnaligned(as: Float8.self) }

@inline(__always)
func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self) }

enum VectorLoops {
    /// `sum(x[0..<n])`, eight lanes then horizontally.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float8()
        var i = 0
        while i + 8 <= n { acc += load8(x + i); i += 8 }
        var total = acc.sum()
        while i < n { total += x[i]; i += 1 }
        return total
    }

    /// `sum((x - mean)^2)` over `n` elements.
    @inline(__always)
    static func squaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var acc = Float8()
        let m = Float8(repeating: mean)
        var i = 0
        while i + 8 <= n { let d = load8(x + i) - m; acc += d * d; i += 8 }
        var total = acc.sum()
        while i < n { let d = x[i] - mean; total += d * d; i += 1 }
        return total
    }

    /// `(sum(g), sum(g * (x - mean)))` over `n` elements.
    @inline(__always)
    static func sumAndCentredDot(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> (Float, Float) {
        var s = Float8()
        var d = Float8()
        let m = Float8(repeating: mean)
        var i = 0
        while i + 8 <= n {
            let gv = load8(g + i)
            s += gv
            d += gv * (load8(x + i) - m)
            i += 8
        }
        var sum = s.sum()
        var dot = d.sum()
        while i < n { sum += g[i]; dot += g[i] * (x[i] - mean); i += 1 }
        return (sum, dot)
    }

    /// `y = x * a + b` over `n` elements.
    @inline(__always)
    static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, a: Float, b: Float) {
        let av = Float8(repeating: a)
        let bv = Float8(repeating: b)
        var i = 0
        while i + 8 <= n { store8(load8(x + i) * av + bv, y + i); i += 8 }
        while i < n { y[i] = x[i] * a + b; i += 1 }
    }

    /// `dx = k * (g - meanG - (x - mean) * slope)` over `n` elements (BatchNorm's input gradient).
    @inline(__always)
    static func batchNormInputGradient(
        _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int,
        k: Float, meanG: Float, mean: Float, slope: Float
    ) {
        let (kv, gv0, mv, sv) = (Float8(repeating: k), Float8(repeating: meanG), Float8(repeating: mean), Float8(repeating: slope))
        var i = 0
        while i + 8 <= n {
            store8(kv * (load8(g + i) - gv0 - (load8(x + i) - mv) * sv), dx + i)
            i += 8
        }
        while i < n { dx[i] = k * (g[i] - meanG - (x[i] - mean) * slope); i += 1 }
    }

    /// `y = max(x, 0)` over `n` elements.
    @inline(__always)
    static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let zero = Float8()
        var i = 0
        while i + 8 <= n {
            // `replacing` lowers to a compare and blend; the generic `pointwiseMax` is not inlined.
            let v = load8(x + i)
            store8(v.replacing(with: zero, where: v .< zero), y + i)
            i += 8
        }
        while i < n { y[i] = max(x[i], 0); i += 1 }
    }

    /// `dx = y > 0 ? g : 0` over `n` elements.
    @inline(__always)
    static func reluBackward(_ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        let zero = Float8()
        var i = 0
        while i + 8 <= n {
            store8(load8(g + i).replacing(with: zero, where: load8(y + i) .<= zero), dx + i)
            i += 8
        }
        while i < n { dx[i] = y[i] > 0 ? g[i] : 0; i += 1 }
    }
}

/// Stops unless `block` is a whole number of 8-float SIMD registers, which every blocked walk
/// steps by (`TensorLayout.fits` admits only 8 and 16, so this guards the walks' own callers).
func requireWholeSIMDLanes(_ block: Int) {
    if block <= 0 || block % 8 != 0 {
        fatalError("channel-blocked walk: block \(block) is not a multiple of 8")
    }
}
