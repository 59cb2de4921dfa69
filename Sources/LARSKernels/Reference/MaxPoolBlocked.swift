// Max pooling on channel-blocked activations (`nChw<block>c`, see `TensorLayout`), in Swift:
// oneDNN 2.6's max-pooling primitive with its training workspace is several times slower than
// this walk even on blocked input (docs/performance.md), and pooling that reorders to
// NCHW and back would cost more than the pooling. Windows, ties (the first maximum in row-major
// order wins) and results equal the NCHW loops of `MaxPoolReference.swift` exactly.
//
// Layout: `x`, `dx` are `[batch, channels / block, height, width, block]`; `y`, `dy`, `argmax` are
// `[batch, channels / block, outputHeight, outputWidth, block]`; `argmax` holds, per output
// element, the winning pixel's index `row * width + column` within its plane; `block` is a
// multiple of 8 dividing `channels`.

/// The window maxima of `x` into `y`, with where each came from in `argmax`.
func maxPoolBlockedForward(
    output y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, input x: UnsafePointer<Float>,
    batch n: Int, channels c: Int, height h: Int, width w: Int, block: Int, kernel k: Int, stride st: Int,
    threads: Int, pool: ThreadPool
) {
    requireWholeSIMDLanes(block)
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    let (xs, ys, am) = (SendableConstPointer(x), SendablePointer(y), SendablePointer(argmax))
    Parallel.forEach(n * c / block, threads: threads, pool: pool) { group in
        let (xp, yp) = (xs.base + group * h * w * block, ys.base + group * oh * ow * block)
        let ap = UnsafeMutableRawPointer(am.base + group * oh * ow * block)
        for oy in 0..<oh {
            for ox in 0..<ow {
                let out = (oy * ow + ox) * block
                let corner = oy * st * w + ox * st
                for lane in stride(from: 0, to: block, by: 8) {
                    let (best, bestIndex) = windowMaximum8(xp + lane, corner: corner, width: w, block: block, kernel: k)
                    store8(best, yp + out + lane)
                    (ap + (out + lane) * 4).storeBytes(of: bestIndex, as: SIMD8<Int32>.self)
                }
            }
        }
    }
}

/// The maximum of one `k x k` window for eight channels, and where its first occurrence in
/// row-major order lies (`row * width + column` within the plane). `origin` is the plane's
/// first pixel at these channels' lane; `corner` the window's top-left pixel.
@inline(__always)
private func windowMaximum8(
    _ origin: UnsafePointer<Float>, corner: Int, width w: Int, block: Int, kernel k: Int
) -> (value: Float8, index: SIMD8<Int32>) {
    var best = load8(origin + corner * block)
    var bestIndex = SIMD8<Int32>(repeating: Int32(corner))
    if k == 2 {
        // The models' 2x2 windows, unrolled: three candidates after the corner.
        let (b, c, d) = (load8(origin + (corner + 1) * block), load8(origin + (corner + w) * block),
                         load8(origin + (corner + w + 1) * block))
        var better = b .> best
        best.replace(with: b, where: better)
        bestIndex.replace(with: SIMD8(repeating: Int32(corner + 1)), where: better)
        better = c .> best
        best.replace(with: c, where: better)
        bestIndex.replace(with: SIMD8(repeating: Int32(corner + w)), where: better)
        better = d .> best
        best.replace(with: d, where: better)
        bestIndex.replace(with: SIMD8(repeating: Int32(corner + w + 1)), where: better)
        return (best, bestIndex)
    }
    for i in 0..<k {
        let row = corner + i * w
        for j in 0..<k where i > 0 || j > 0 {
            let v = load8(origin + (row + j) * block)
            let better = v .> best
            best.replace(with: v, where: better)
            bestIndex.replace(with: SIMD8(repeating: Int32(row + j)), where: better)
        }
    }
    return (best, bestIndex)
}

/// dL/dx of `maxPoolBlockedForward`: each output gradient added to the pixel that held its
/// window's maximum; `dx` must hold zeros on entry.
func maxPoolBlockedBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    argmax: UnsafePointer<Int32>, batch n: Int, channels c: Int, height h: Int, width w: Int, block: Int,
    kernel k: Int, stride st: Int, threads: Int, pool: ThreadPool
) {
    requireWholeSIMDLanes(block)
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    let (dxs, dys, am) = (SendablePointer(dx), SendableConstPointer(dy), SendableConstPointer(argmax))
    // Each group writes only into its own planes.
    Parallel.forEach(n * c / block, threads: threads, pool: pool) { group in
        let (dp, gp, ap) = (dxs.base + group * h * w * block, dys.base + group * oh * ow * block, am.base + group * oh * ow * block)
        // Scatter, summing where overlapping windows share a pixel; per lane, since each of the
        // block's channels has its own winner.
        for o in 0..<(oh * ow) {
            let (g, a) = (gp + o * block, ap + o * block)
            for lane in 0..<block { dp[Int(a[lane]) * block + lane] += g[lane] }
        }
    }
}
