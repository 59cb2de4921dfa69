// BatchNorm's reference arithmetic (Swift loops, Double sums per channel), as free functions
// over pointers, which `BatchNormKernels` runs where oneDNN does not; the statistics are summed
// over the whole batch by `BatchStatistics`.
//
// Layout everywhere: activations `x`, `y`, `dy`, `dx` are `[batch, channels, pixels]` (NCHW
// with `pixels = H * W`, or `pixels = 1` for `[N, C]` input), stored as `layout`: a
// channel-blocked one is handed to the walks of `BatchNormReferenceBlocked.swift`; per-channel
// vectors are `[channels]`.
// Every function spreads its per-channel loops over `threads` threads of `pool`
// (`ExecutionContext.threadPool`); neither changes a result.

/// The training statistics of a batch, per channel, over `batch * pixels` values (over all
/// parts of the batch that `statistics` sums over), in two passes (`BatchStatistics`).
///
/// - `x`: input `[batch, channels, pixels]`.
/// - `mean`: written, `[channels]`, the batch mean.
/// - `variance`: written, `[channels]`, the biased batch variance (divided by the count).
/// - `inverseStd`: written, `[channels]`, `1 / sqrt(variance + epsilon)`.
/// - Returns the value count per channel (over all parts).
func batchNormReferenceStatistics(
    mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
    input x: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, layout: TensorLayout = .plain,
    epsilon: Float, statistics: BatchStatistics, threads: Int, pool: ThreadPool
) -> Double {
    if let block = layout.channelBlock {
        return batchNormBlockedStatistics(
            mean: mean, variance: variance, inverseStd: inverseStd, input: x, batch: n, channels: c, pixels: pixels,
            block: block, epsilon: epsilon, statistics: statistics, threads: threads, pool: pool)
    }
    return statistics.meanAndVariance(
        mean: mean, variance: variance, inverseStd: inverseStd, channels: c, valuesPerChannel: n * pixels,
        epsilon: epsilon,
        sumValues: { sums in
            channelReduction(x, into: &sums, batch: n, channels: c, pixels: pixels, threads: threads, pool: pool) {
                row, _ in Double(VectorLoops.sum(row, pixels))
            }
        },
        sumSquaredDeviations: { squares, meanP in
            channelReduction(x, into: &squares, batch: n, channels: c, pixels: pixels, threads: threads, pool: pool) {
                row, ch in Double(VectorLoops.squaredDeviations(row, pixels, mean: meanP.base[ch]))
            }
        })
}

/// `y = gamma * (x - mean) * inverseStd + beta`, folded into one multiply-add per element.
///
/// - `x`: input, `y`: output (written), both `[batch, channels, pixels]`.
/// - `gamma`, `beta`, `mean`, `inverseStd`: `[channels]`.
func batchNormReferenceNormalize(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
    batch n: Int, channels c: Int, pixels: Int, layout: TensorLayout = .plain, threads: Int, pool: ThreadPool
) {
    if let block = layout.channelBlock {
        return batchNormBlockedNormalize(
            output: y, input: x, gamma: gamma, beta: beta, mean: mean, inverseStd: inverseStd, batch: n, channels: c,
            pixels: pixels, block: block, threads: threads, pool: pool)
    }
    var a = [Float](repeating: 0, count: c)
    var b = [Float](repeating: 0, count: c)
    for ch in 0..<c {
        a[ch] = gamma[ch] * inverseStd[ch]
        b[ch] = beta[ch] - mean[ch] * a[ch]
    }
    let count = n * c * pixels
    let rows = count / pixels
    let (xs, ys) = (SendableConstPointer(x), SendablePointer(y))
    a.withUnsafeBufferPointer { ab in
        b.withUnsafeBufferPointer { bb in
            let (ap, bp) = (SendableConstPointer(ab.baseAddress!), SendableConstPointer(bb.baseAddress!))
            let chunks = elementwiseChunks(count, threads: threads)
            Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
                for row in chunkRange(chunk, of: chunks, count: rows) {
                    let ch = row % c
                    VectorLoops.affine(xs.base + row * pixels, ys.base + row * pixels, pixels, a: ap.base[ch], b: bp.base[ch])
                }
            }
        }
    }
}

/// BatchNorm backward with batch statistics:
/// `dx = gamma * istd * (dy - mean(dy) - xhat * mean(dy * xhat))`, `dgamma += sum(dy * xhat)`,
/// `dbeta += sum(dy)`, where `xhat = (x - mean) * istd`.
///
/// - `dx`: written, `[batch, channels, pixels]`.
/// - `dgamma`, `dbeta`: accumulated into, `[channels]`: this process's own sums (a trainer sums
///   them over processes afterwards).
/// - `x`, `dy`: the forward's input and the output gradient, `[batch, channels, pixels]`.
/// - `gamma`, `mean`, `inverseStd`: `[channels]`, as in the forward.
/// - `count`: values per channel behind `mean` (over all parts).
/// - `statistics` sums `sum(dy)` and `sum(dy * xhat)` over the parts for `dx`.
func batchNormReferenceBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, scaleGradient dgamma: UnsafeMutablePointer<Float>,
    shiftGradient dbeta: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    inverseStd: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, layout: TensorLayout = .plain,
    count: Double, statistics: BatchStatistics, threads: Int, pool: ThreadPool
) {
    if let block = layout.channelBlock {
        return batchNormBlockedBackward(
            inputGradient: dx, scaleGradient: dgamma, shiftGradient: dbeta, input: x, outputGradient: dy, gamma: gamma,
            mean: mean, inverseStd: inverseStd, batch: n, channels: c, pixels: pixels, block: block, count: count,
            statistics: statistics, threads: threads, pool: pool)
    }
    // Phase 1: sums[0..<c] = Σ dy, sums[c..<2c] = Σ dy * xhat over this process's batch.
    var sums = [Double](repeating: 0, count: 2 * c)
    sums.withUnsafeMutableBufferPointer { sb in
        batchNormGradientSums(
            into: sb.baseAddress!, input: x, outputGradient: dy, mean: mean, inverseStd: inverseStd, batch: n,
            channels: c, pixels: pixels, threads: threads, pool: pool)
    }
    // dx depends on the batch means of dy and dy * xhat: over all parts when synchronised.
    statistics.reduceGradientSums(&sums, channels: c, scaleGradient: dgamma, shiftGradient: dbeta)
    sums.withUnsafeBufferPointer { sb in
        writeBatchNormInputGradient(
            dx, sums: sb.baseAddress!, input: x, outputGradient: dy, gamma: gamma, mean: mean,
            inverseStd: inverseStd, batch: n, channels: c, pixels: pixels, count: count, threads: threads, pool: pool)
    }
}

/// Writes `sums[ch] = Σ dy` and `sums[c + ch] = Σ dy * xhat` over the batch and pixels of
/// channel `ch` (`sums` holds `2 * channels`), one parallel task per channel.
private func batchNormGradientSums(
    into sums: UnsafeMutablePointer<Double>, input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int,
    threads: Int, pool: ThreadPool
) {
    let (xs, dys, out) = (SendableConstPointer(x), SendableConstPointer(dy), SendablePointer(sums))
    let (meanP, istdP) = (SendableConstPointer(mean), SendableConstPointer(inverseStd))
    Parallel.forEach(c, threads: threads, pool: pool) { ch in
        var sumDy: Double = 0
        var sumDyXhat: Double = 0
        for i in 0..<n {
            let offset = (i * c + ch) * pixels
            let (pd, pdx) = VectorLoops.sumAndCentredDot(
                dys.base + offset, xs.base + offset, pixels, mean: meanP.base[ch])
            sumDy += Double(pd)
            sumDyXhat += Double(pdx)
        }
        out.base[ch] = sumDy
        out.base[c + ch] = sumDyXhat * Double(istdP.base[ch])
    }
}

/// `dx = gamma * istd * (dy - mean(dy) - xhat * mean(dy * xhat))`, the means taken from the
/// reduced `sums` (as `batchNormGradientSums` lays them out) over `count` values per channel.
private func writeBatchNormInputGradient(
    _ dx: UnsafeMutablePointer<Float>, sums: UnsafePointer<Double>, input x: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    inverseStd: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, count: Double, threads: Int,
    pool: ThreadPool
) {
    let (xs, dys, dxs) = (SendableConstPointer(x), SendableConstPointer(dy), SendablePointer(dx))
    let (gammaP, meanP, istdP) = (SendableConstPointer(gamma), SendableConstPointer(mean), SendableConstPointer(inverseStd))
    let totals = SendableConstPointer(sums)
    let m = Float(count)
    Parallel.forEach(c, threads: threads, pool: pool) { ch in
        let (mu, s) = (meanP.base[ch], istdP.base[ch])
        let k = gammaP.base[ch] * s
        let meanDy = Float(totals.base[ch]) / m
        let slope = Float(totals.base[c + ch]) / m * s
        for i in 0..<n {
            let offset = (i * c + ch) * pixels
            VectorLoops.batchNormInputGradient(
                dys.base + offset, xs.base + offset, dxs.base + offset, pixels,
                k: k, meanG: meanDy, mean: mu, slope: slope)
        }
    }
}

/// `out[ch] = sum over the batch's rows of channel ch of body(row, ch)`, in Double, one
/// parallel task per channel; `row` points at the `pixels` values of one (sample, channel) pair.
/// Elements of `out` past the channel count are left alone.
private func channelReduction(
    _ x: UnsafePointer<Float>, into out: inout [Double], batch n: Int, channels c: Int, pixels: Int, threads: Int,
    pool: ThreadPool, _ body: @Sendable (UnsafePointer<Float>, Int) -> Double
) {
    let xs = SendableConstPointer(x)
    out.withUnsafeMutableBufferPointer { ob in
        let o = SendablePointer(ob.baseAddress!)
        Parallel.forEach(c, threads: threads, pool: pool) { ch in
            var total: Double = 0
            for i in 0..<n { total += body(xs.base + (i * c + ch) * pixels, ch) }
            o.base[ch] = total
        }
    }
}
