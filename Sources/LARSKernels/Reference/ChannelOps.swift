// Per-channel loops over NCHW data that several layers share: layout permutes between
// batch-major `[N, C, P]` and channel-major `[C, N, P]`, bias broadcast and per-channel sums.
// All are parallel over disjoint output ranges.

/// Permutes between NCHW (`[N, C, P]`) and the channel-major `[C, N, P]` layout that a
/// whole-batch convolution `gemm` reads and writes.
enum ChannelPermute {
    /// `[C, N, P]` at `source` to `[N, C, P]` at `destination`.
    static func batchMajor(
        from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>,
        images: Int, channels: Int, pixels: Int, threads: Int
    ) {
        let src = SendableConstPointer(source)
        let dst = SendablePointer(destination)
        Parallel.forEach(images * channels, threads: threads) { item in
            let n = item / channels
            let c = item % channels
            (dst.base + item * pixels).update(from: src.base + (c * images + n) * pixels, count: pixels)
        }
    }

    /// `[N, C, P]` at `source` to `[C, N, P]` at `destination`.
    static func channelMajor(
        from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>,
        images: Int, channels: Int, pixels: Int, threads: Int
    ) {
        let src = SendableConstPointer(source)
        let dst = SendablePointer(destination)
        Parallel.forEach(images * channels, threads: threads) { item in
            let c = item / images
            let n = item % images
            (dst.base + item * pixels).update(from: src.base + (n * channels + c) * pixels, count: pixels)
        }
    }
}

/// Bias and reduction helpers over `[N, C, P]` data.
enum ChannelOps {
    /// `data[n, c, p] += bias[c]`.
    static func addBias(
        _ bias: UnsafePointer<Float>, to data: UnsafeMutablePointer<Float>, images: Int, channels: Int, pixels: Int,
        threads: Int
    ) {
        let b = SendableConstPointer(bias)
        let d = SendablePointer(data)
        Parallel.forEach(images * channels, threads: threads) { item in
            let value = b.base[item % channels]
            let row = d.base + item * pixels
            for p in 0..<pixels { row[p] += value }
        }
    }

    /// `sums[c] += sum over n, p of data[n, c, p]` (Double accumulation per channel).
    static func accumulateChannelSums(
        of data: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, images: Int, channels: Int,
        pixels: Int, threads: Int
    ) {
        let d = SendableConstPointer(data)
        let s = SendablePointer(sums)
        Parallel.forEach(channels, threads: threads) { c in
            var total: Double = 0
            for n in 0..<images {
                let row = d.base + (n * channels + c) * pixels
                total += Double(VectorLoops.sum(row, pixels))
            }
            s.base[c] += Float(total)
        }
    }
}
