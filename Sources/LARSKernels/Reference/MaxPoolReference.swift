// Max pooling on NCHW planes in Swift (`PoolingKernels` runs it where oneDNN does not):
// square `kernel x kernel` windows moved by `stride`, no padding; ties go to the first maximum
// in row-major order, as in oneDNN and the blocked walk (`MaxPoolBlocked.swift`).
//
// Layout: `x`, `dx` are `planes` planes of `height * width`; `y`, `dy`, `argmax` are `planes`
// planes of `outputHeight * outputWidth`, with `outputHeight = (height - kernel) / stride + 1`
// (the same for the width); `argmax` holds, per output, the winning pixel's index within its plane.

/// The window maxima of `x` into `y` (overwritten), with where each came from in `argmax`.
func maxPoolForward(
    output y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>, input x: UnsafePointer<Float>,
    planes: Int, height h: Int, width w: Int, kernel k: Int, stride st: Int, threads: Int, pool: ThreadPool
) {
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    let (xs, ys, a) = (SendableConstPointer(x), SendablePointer(y), SendablePointer(argmax))
    Parallel.forEach(planes, threads: threads, pool: pool) { plane in
        let xp = xs.base + plane * h * w
        let yp = ys.base + plane * oh * ow
        if k == 2 && st == 2 {
            forward2x2(xp, width: w, yp, argmax: a.base + plane * oh * ow, outputHeight: oh, outputWidth: ow)
            return
        }
        for oy in 0..<oh {
            for ox in 0..<ow {
                var bestIndex = oy * st * w + ox * st
                var best = xp[bestIndex]
                for i in 0..<k {
                    let rowIndex = (oy * st + i) * w + ox * st
                    for j in 0..<k {
                        // Selects instead of a branch: which element wins is data-dependent.
                        let v = xp[rowIndex + j]
                        let better = v > best
                        best = better ? v : best
                        bestIndex = better ? rowIndex + j : bestIndex
                    }
                }
                yp[oy * ow + ox] = best
                a.base[plane * oh * ow + oy * ow + ox] = Int32(bestIndex)
            }
        }
    }
}

/// dL/dx of `maxPoolForward`, overwritten: each output gradient added to the pixel that held
/// its window's maximum, zero elsewhere.
func maxPoolBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    argmax: UnsafePointer<Int32>, planes: Int, height h: Int, width w: Int, kernel k: Int, stride st: Int,
    threads: Int, pool: ThreadPool
) {
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    // 2x2 windows with stride 2 tile the plane: every input pixel is written, so no zero fill.
    let tiled = k == 2 && st == 2
    if !tiled { dx.update(repeating: 0, count: planes * h * w) }
    let (g, d, a) = (SendableConstPointer(dy), SendablePointer(dx), SendableConstPointer(argmax))
    // Each plane scatters only into its own input plane.
    Parallel.forEach(planes, threads: threads, pool: pool) { plane in
        let dp = d.base + plane * h * w
        if tiled {
            backward2x2(
                g.base + plane * oh * ow, argmax: a.base + plane * oh * ow, dp, height: h, width: w,
                outputHeight: oh, outputWidth: ow)
            return
        }
        for o in (plane * oh * ow)..<((plane + 1) * oh * ow) { dp[Int(a.base[o])] += g.base[o] }
    }
}

/// The 2x2, stride-2 forward of one plane (the models' only pooling): the four candidates
/// in row-major order, the first maximum winning ties as in the general loop.
///
/// Eight (or four) windows at a time: the even and odd lanes of two row loads are the four
/// candidates, and selects keep the maximum (which candidate wins is random, so a branch
/// would mispredict about half the time). A row whose width is not a multiple of the vector
/// ends with a vector that overlaps the previous one, which rewrites the same values.
@inline(__always)
private func forward2x2(
    _ x: UnsafePointer<Float>, width w: Int, _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
    outputHeight oh: Int, outputWidth ow: Int
) {
    for oy in 0..<oh {
        let top = 2 * oy * w
        let (yRow, aRow) = (y + oy * ow, argmax + oy * ow)
        if ow >= 8 {
            var ox = 0
            while true {
                let start = min(ox, ow - 8)
                windows8(x, top: top, width: w, column: start, yRow, aRow)
                ox += 8
                if start == ow - 8 { break }
            }
        } else if ow >= 4 {
            windows4(x, top: top, width: w, column: 0, yRow, aRow)
            windows4(x, top: top, width: w, column: ow - 4, yRow, aRow)
        } else {
            for ox in 0..<ow {
                var index = top + 2 * ox
                if x[top + 2 * ox + 1] > x[index] { index = top + 2 * ox + 1 }
                if x[top + w + 2 * ox] > x[index] { index = top + w + 2 * ox }
                if x[top + w + 2 * ox + 1] > x[index] { index = top + w + 2 * ox + 1 }
                yRow[ox] = x[index]
                aRow[ox] = Int32(index)
            }
        }
    }
}

/// Windows `column ..< column + 8` of the row pair starting at `top`.
@inline(__always)
private func windows8(
    _ x: UnsafePointer<Float>, top: Int, width w: Int, column: Int,
    _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>
) {
    let j = 2 * column
    let a = UnsafeRawPointer(x + top + j).loadUnaligned(as: SIMD16<Float>.self)
    let b = UnsafeRawPointer(x + top + w + j).loadUnaligned(as: SIMD16<Float>.self)
    let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ Int32(top + j)
    var best = a.evenHalf
    var index = lanes
    var better = a.oddHalf .> best
    best.replace(with: a.oddHalf, where: better)
    index.replace(with: lanes &+ 1, where: better)
    better = b.evenHalf .> best
    best.replace(with: b.evenHalf, where: better)
    index.replace(with: lanes &+ Int32(w), where: better)
    better = b.oddHalf .> best
    best.replace(with: b.oddHalf, where: better)
    index.replace(with: lanes &+ Int32(w + 1), where: better)
    UnsafeMutableRawPointer(y + column).storeBytes(of: best, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(argmax + column).storeBytes(of: index, as: SIMD8<Int32>.self)
}

/// Windows `column ..< column + 4` of the row pair starting at `top`.
@inline(__always)
private func windows4(
    _ x: UnsafePointer<Float>, top: Int, width w: Int, column: Int,
    _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>
) {
    let j = 2 * column
    let a = UnsafeRawPointer(x + top + j).loadUnaligned(as: SIMD8<Float>.self)
    let b = UnsafeRawPointer(x + top + w + j).loadUnaligned(as: SIMD8<Float>.self)
    let lanes = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(top + j)
    var best = a.evenHalf
    var index = lanes
    var better = a.oddHalf .> best
    best.replace(with: a.oddHalf, where: better)
    index.replace(with: lanes &+ 1, where: better)
    better = b.evenHalf .> best
    best.replace(with: b.evenHalf, where: better)
    index.replace(with: lanes &+ Int32(w), where: better)
    better = b.oddHalf .> best
    best.replace(with: b.oddHalf, where: better)
    index.replace(with: lanes &+ Int32(w + 1), where: better)
    UnsafeMutableRawPointer(y + column).storeBytes(of: best, as: SIMD4<Float>.self)
    UnsafeMutableRawPointer(argmax + column).storeBytes(of: index, as: SIMD4<Int32>.self)
}

/// The 2x2, stride-2 backward of one plane: writes every input pixel (the gradient at the
/// window's maximum, zero elsewhere, zero in a last odd row or column no window covers).
@inline(__always)
private func backward2x2(
    _ g: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ dx: UnsafeMutablePointer<Float>,
    height h: Int, width w: Int, outputHeight oh: Int, outputWidth ow: Int
) {
    for oy in 0..<oh {
        let top = 2 * oy * w
        let r0 = dx + top
        let r1 = r0 + w
        for ox in 0..<ow {
            let j = 2 * ox
            (r0[j], r0[j + 1], r1[j], r1[j + 1]) = (0, 0, 0, 0)
            dx[Int(argmax[oy * ow + ox])] = g[oy * ow + ox]
        }
        if w > 2 * ow { r0[w - 1] = 0; r1[w - 1] = 0 }
    }
    if h > 2 * oh { (dx + (h - 1) * w).update(repeating: 0, count: w) }
}
