// BatchNorm's reference arithmetic on channel-blocked activations (`nChw<block>c`, see
// `TensorLayout`), for when a oneDNN convolution hands BatchNorm a blocked tensor but BatchNorm
// runs in Swift (its statistics summed over replicas or processes, which oneDNN cannot take).
// Same definitions and Double per-channel sums as `BatchNormReference.swift`; only the walk
// differs: a group of `block` channels of one image is `pixels` rows of `block` consecutive
// floats, so eight channels move together in one SIMD register.
//
// Layout everywhere: `x`, `y`, `dy`, `dx` are `[batch, channels / block, pixels, block]`;
// per-channel vectors are `[channels]`; `block` is a multiple of 8 dividing `channels`.

/// `batchNormReferenceStatistics` on blocked input: the batch mean, biased variance and
/// `1 / sqrt(variance + epsilon)` per channel (over all parts `statistics` sums), two passes.
/// Returns the value count per channel.
func batchNormBlockedStatistics(
    mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>, inverseStd: UnsafeMutablePointer<Float>,
    input x: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, block: Int, epsilon: Float,
    statistics: BatchStatistics, threads: Int, pool: ThreadPool
) -> Double {
    requireWholeSIMDLanes(block)
    return statistics.meanAndVariance(
        mean: mean, variance: variance, inverseStd: inverseStd, channels: c, valuesPerChannel: n * pixels,
        epsilon: epsilon,
        sumValues: { sums in
            blockedChannelReduction(
                x, into: &sums, batch: n, channels: c, pixels: pixels, block: block, threads: threads, pool: pool
            ) { values, _ in values }
        },
        sumSquaredDeviations: { squares, meanP in
            blockedChannelReduction(
                x, into: &squares, batch: n, channels: c, pixels: pixels, block: block, threads: threads, pool: pool
            ) { values, first in
                let d = values - load8(meanP.base + first)
                return d * d
            }
        })
}

/// `y = gamma * (x - mean) * inverseStd + beta` on blocked tensors, one multiply-add per element.
func batchNormBlockedNormalize(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>, mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
    batch n: Int, channels c: Int, pixels: Int, block: Int, threads: Int, pool: ThreadPool
) {
    requireWholeSIMDLanes(block)
    var a = [Float](repeating: 0, count: c)
    var b = [Float](repeating: 0, count: c)
    for ch in 0..<c {
        a[ch] = gamma[ch] * inverseStd[ch]
        b[ch] = beta[ch] - mean[ch] * a[ch]
    }
    let groups = n * c / block
    let (xs, ys) = (SendableConstPointer(x), SendablePointer(y))
    a.withUnsafeBufferPointer { ab in
        b.withUnsafeBufferPointer { bb in
            let (ap, bp) = (SendableConstPointer(ab.baseAddress!), SendableConstPointer(bb.baseAddress!))
            let chunks = elementwiseChunks(n * c * pixels, threads: threads)
            Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
                for group in chunkRange(chunk, of: chunks, count: groups) {
                    let first = group % (c / block) * block
                    let offset = group * pixels * block
                    for lane in stride(from: 0, to: block, by: 8) {
                        let (av, bv) = (load8(ap.base + first + lane), load8(bp.base + first + lane))
                        for p in 0..<pixels {
                            let at = offset + p * block + lane
                            store8(load8(xs.base + at) * av + bv, ys.base + at)
                        }
                    }
                }
            }
        }
    }
}

/// `batchNormReferenceBackward` on blocked tensors:
/// `dx = gamma * istd * (dy - mean(dy) - xhat * mean(dy * xhat))` written, `dgamma += sum(dy * xhat)`,
/// `dbeta += sum(dy)` (this part's own sums); `statistics` sums the means' sums over the parts.
func batchNormBlockedBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, scaleGradient dgamma: UnsafeMutablePointer<Float>,
    shiftGradient dbeta: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    inverseStd: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, block: Int, count: Double,
    statistics: BatchStatistics, threads: Int, pool: ThreadPool
) {
    requireWholeSIMDLanes(block)
    var sums = blockedGradientSums(
        input: x, outputGradient: dy, mean: mean, inverseStd: inverseStd, batch: n, channels: c, pixels: pixels,
        block: block, threads: threads, pool: pool)
    statistics.reduceGradientSums(&sums, channels: c, scaleGradient: dgamma, shiftGradient: dbeta)
    let m = Float(count)
    var factors = [Float](repeating: 0, count: 4 * c)  // k, mean of dy, slope, mean per channel
    for ch in 0..<c {
        let s = inverseStd[ch]
        factors[ch] = gamma[ch] * s
        factors[c + ch] = Float(sums[ch]) / m
        factors[2 * c + ch] = Float(sums[c + ch]) / m * s
        factors[3 * c + ch] = mean[ch]
    }
    let (xs, dys, dxs) = (SendableConstPointer(x), SendableConstPointer(dy), SendablePointer(dx))
    let blocks = c / block
    factors.withUnsafeBufferPointer { fb in
        let f = SendableConstPointer(fb.baseAddress!)
        let chunks = elementwiseChunks(n * c * pixels, threads: threads)
        Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
            for group in chunkRange(chunk, of: chunks, count: n * blocks) {
                let offset = group * pixels * block
                for lane in stride(from: 0, to: block, by: 8) {
                    let first = group % blocks * block + lane
                    let (k, meanG) = (load8(f.base + first), load8(f.base + c + first))
                    let (slope, mu) = (load8(f.base + 2 * c + first), load8(f.base + 3 * c + first))
                    for p in 0..<pixels {
                        let at = offset + p * block + lane
                        store8(k * (load8(dys.base + at) - meanG - (load8(xs.base + at) - mu) * slope), dxs.base + at)
                    }
                }
            }
        }
    }
}

/// This part's backward sums on blocked tensors, `[2 * channels]`: `sum(dy)` per channel, then
/// `sum(dy * xhat)` per channel, each channel's sum in Double over the images.
private func blockedGradientSums(
    input x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, mean: UnsafePointer<Float>,
    inverseStd: UnsafePointer<Float>, batch n: Int, channels c: Int, pixels: Int, block: Int, threads: Int,
    pool: ThreadPool
) -> [Double] {
    let (xs, dys) = (SendableConstPointer(x), SendableConstPointer(dy))
    let (meanP, istdP) = (SendableConstPointer(mean), SendableConstPointer(inverseStd))
    let blocks = c / block
    var sums = [Double](repeating: 0, count: 2 * c)
    sums.withUnsafeMutableBufferPointer { sb in
        let out = SendablePointer(sb.baseAddress!)
        Parallel.forEach(blocks, threads: threads, pool: pool) { cb in
            for lane in stride(from: 0, to: block, by: 8) {
                let first = cb * block + lane
                let mu = load8(meanP.base + first)
                var (sumDy, sumDyX) = ([Double](repeating: 0, count: 8), [Double](repeating: 0, count: 8))
                for i in 0..<n {
                    var (s, d) = (Float8(), Float8())
                    let offset = (i * blocks + cb) * pixels * block + lane
                    for p in 0..<pixels {
                        let g = load8(dys.base + offset + p * block)
                        s += g
                        d += g * (load8(xs.base + offset + p * block) - mu)
                    }
                    for l in 0..<8 {
                        sumDy[l] += Double(s[l])
                        sumDyX[l] += Double(d[l])
                    }
                }
                for l in 0..<8 {
                    out.base[first + l] = sumDy[l]
                    out.base[c + first + l] = sumDyX[l] * Double(istdP.base[first + l])
                }
            }
        }
    }
    return sums
}

/// `out[ch] = sum over the batch and pixels of channel ch of body(values, first)`, in Double per
/// image: `body` maps the 8 values of channels `first ..< first + 8` at one pixel to what is
/// summed. One parallel task per channel block.
private func blockedChannelReduction(
    _ x: UnsafePointer<Float>, into out: inout [Double], batch n: Int, channels c: Int, pixels: Int, block: Int,
    threads: Int, pool: ThreadPool, _ body: @Sendable (Float8, Int) -> Float8
) {
    let xs = SendableConstPointer(x)
    let blocks = c / block
    out.withUnsafeMutableBufferPointer { ob in
        let o = SendablePointer(ob.baseAddress!)
        Parallel.forEach(blocks, threads: threads, pool: pool) { cb in
            for lane in stride(from: 0, to: block, by: 8) {
                let first = cb * block + lane
                var totals = [Double](repeating: 0, count: 8)
                for i in 0..<n {
                    var acc = Float8()
                    let row = xs.base + (i * blocks + cb) * pixels * block + lane
                    for p in 0..<pixels { acc += body(load8(row + p * block), first) }
                    for l in 0..<8 { totals[l] += Double(acc[l]) }
                }
                for l in 0..<8 { o.base[first + l] = totals[l] }
            }
        }
    }
}
