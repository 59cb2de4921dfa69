// Average pooling on NCHW planes in Swift (`PoolingKernels` runs it where oneDNN does not):
// square `kernel x kernel` windows moved by `stride`, no padding, each window's mean.
//
// Layout: `x`, `dx` are `planes` planes of `height * width`; `y`, `dy` are `planes` planes of
// `outputHeight * outputWidth`, with `outputHeight = (height - kernel) / stride + 1` (the same
// for the width).

/// Each window's mean of `x` into `y` (overwritten).
func avgPoolForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, planes: Int, height h: Int, width w: Int,
    kernel k: Int, stride st: Int, threads: Int, pool: ThreadPool
) {
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    let inverseArea = 1 / Float(k * k)
    let (xs, ys) = (SendableConstPointer(x), SendablePointer(y))
    Parallel.forEach(planes, threads: threads, pool: pool) { plane in
        let xp = xs.base + plane * h * w
        let yp = ys.base + plane * oh * ow
        for oy in 0..<oh {
            for ox in 0..<ow {
                var sum: Float = 0
                for i in 0..<k {
                    let row = xp + (oy * st + i) * w + ox * st
                    for j in 0..<k { sum += row[j] }
                }
                yp[oy * ow + ox] = sum * inverseArea
            }
        }
    }
}

/// dL/dx of `avgPoolForward`, overwritten: each output gradient spread evenly over its window,
/// summed where windows overlap, zero where none lands.
func avgPoolBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>, planes: Int,
    height h: Int, width w: Int, kernel k: Int, stride st: Int, threads: Int, pool: ThreadPool
) {
    let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
    let inverseArea = 1 / Float(k * k)
    dx.update(repeating: 0, count: planes * h * w)
    let (g, d) = (SendableConstPointer(dy), SendablePointer(dx))
    Parallel.forEach(planes, threads: threads, pool: pool) { plane in
        let gp = g.base + plane * oh * ow
        let dp = d.base + plane * h * w
        for oy in 0..<oh {
            for ox in 0..<ow {
                let share = gp[oy * ow + ox] * inverseArea
                for i in 0..<k {
                    let row = dp + (oy * st + i) * w + ox * st
                    for j in 0..<k { row[j] += share }
                }
            }
        }
    }
}
