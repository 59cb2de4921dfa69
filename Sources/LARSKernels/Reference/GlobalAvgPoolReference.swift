// Global average pooling, the mean over each feature map, in Swift on either engine: `x`, `dx`
// are `[batch, channels, pixels]` stored as `layout` (NCHW, or `nChw<b>c` read as it is, each
// block's `b` channel sums side by side); `y`, `dy` are `[batch, channels]`, plain.

/// `y[n, c] = mean over the pixels of x[n, c]`, `y` overwritten.
public func globalAveragePoolForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
    layout: TensorLayout, threads: Int, pool: ThreadPool
) {
    let count = batch * channels * pixels
    guard count > 0 else { return }
    let inverse = 1 / Float(pixels)
    let (xs, ys) = (SendableConstPointer(x), SendablePointer(y))
    let chunks = elementwiseChunks(count, threads: threads)
    guard let b = layout.channelBlock else {
        Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
            for plane in chunkRange(chunk, of: chunks, count: batch * channels) {
                let row = xs.base + plane * pixels
                var sum: Float = 0
                for p in 0..<pixels { sum += row[p] }
                ys.base[plane] = sum * inverse
            }
        }
        return
    }
    Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
        // Group `g` is channels g*b ..< (g+1)*b of one image, which are also the output's
        // consecutive entries g*b ..< (g+1)*b.
        for g in chunkRange(chunk, of: chunks, count: batch * channels / b) {
            let sums = ys.base + g * b
            sums.update(repeating: 0, count: b)
            var pixel = xs.base + g * pixels * b
            for _ in 0..<pixels {
                for lane in 0..<b { sums[lane] += pixel[lane] }
                pixel += b
            }
            for lane in 0..<b { sums[lane] *= inverse }
        }
    }
}

/// dL/dx of `globalAveragePoolForward`, `dx` overwritten in `layout`: every pixel of a
/// channel gets its mean's gradient divided by `pixels`.
public func globalAveragePoolBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int,
    channels: Int, pixels: Int, layout: TensorLayout, threads: Int, pool: ThreadPool
) {
    let count = batch * channels * pixels
    guard count > 0 else { return }
    let inverse = 1 / Float(pixels)
    let (g, d) = (SendableConstPointer(dy), SendablePointer(dx))
    let chunks = elementwiseChunks(count, threads: threads)
    guard let b = layout.channelBlock else {
        Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
            for plane in chunkRange(chunk, of: chunks, count: batch * channels) {
                (d.base + plane * pixels).update(repeating: g.base[plane] * inverse, count: pixels)
            }
        }
        return
    }
    Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
        for group in chunkRange(chunk, of: chunks, count: batch * channels / b) {
            let means = g.base + group * b
            var pixel = d.base + group * pixels * b
            for _ in 0..<pixels {
                for lane in 0..<b { pixel[lane] = means[lane] * inverse }
                pixel += b
            }
        }
    }
}
