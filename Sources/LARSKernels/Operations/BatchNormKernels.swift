/// How a BatchNorm training forward ran: what the matching backward must follow.
public struct BatchNormForwardRecord: Sendable, Equatable {
    /// Whether oneDNN's primitive ran.
    public var ranOnOneDNN: Bool
    /// Whether it applied a ReLU too (then backward takes the gradient of `relu(bn(x))`).
    public var fusedReLU: Bool

    /// A record of a forward that ran on oneDNN or not, with a fused ReLU or not.
    public init(ranOnOneDNN: Bool, fusedReLU: Bool) {
        self.ranOnOneDNN = ranOnOneDNN
        self.fusedReLU = fusedReLU
    }

    /// The record of a forward in Swift without a fused ReLU.
    public static let reference = BatchNormForwardRecord(ranOnOneDNN: false, fusedReLU: false)
}

/// BatchNorm's arithmetic, chosen once from the context and the layer's statistics reducer
/// (`ExecutionContext.batchNormKernels(statistics:)`), so that `BatchNorm` calls it without
/// asking which engine runs: oneDNN's primitives (with a following ReLU fused on request) when
/// `usesOneDNN`, the Swift loops otherwise. oneDNN's primitive computes its own statistics and
/// cannot take sums over replicas or processes, so a reducer always selects the Swift loops,
/// whose statistics go through `BatchStatistics`.
///
/// Layout: `x`, `y`, `dy`, `dx` are `[batch, channels, pixels]` (`pixels = H * W`, 1 for
/// `[N, C]` vectors), all stored as `layout` (NCHW or channel-blocked); `scale` (gamma),
/// `shift` (beta), `mean` and `variance` (biased) are `[channels]`.
public struct BatchNormKernels {
    /// Whether oneDNN's primitives run.
    public let usesOneDNN: Bool
    /// Sums the Swift loops' statistics over replicas or processes, or `nil`.
    public let statistics: (any BatchStatisticsReducer)?
    /// Threads of each call, and the pool of the Swift loops.
    public let threads: Int, pool: ThreadPool

    /// The kernels: oneDNN's when `oneDNN` and no `statistics` reducer, Swift's otherwise.
    public init(oneDNN: Bool, statistics: (any BatchStatisticsReducer)?, threads: Int, pool: ThreadPool) {
        usesOneDNN = oneDNN && statistics == nil
        self.statistics = statistics
        self.threads = threads
        self.pool = pool
    }

    /// Whether a forward can apply a following ReLU itself (`LayerChain` fuses the pair then).
    public var fusesReLU: Bool { usesOneDNN }

    /// Training forward: the batch statistics over `batch * pixels` values per channel (over all
    /// parts with a reducer) into `mean` and `variance` (biased), then
    /// `y = scale * (x - mean) / sqrt(variance + epsilon) + shift`, and `y = max(y, 0)` when
    /// `fusedReLU` (only where `fusesReLU`). Returns the value count per channel behind them.
    public func trainingForward(
        output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
        batch: Int, channels c: Int, pixels: Int, layout: TensorLayout, epsilon: Float, fusedReLU: Bool,
        cache: OneDNNPrimitiveCache
    ) -> Double {
        if usesOneDNN {
            oneDNNBatchNormForwardTraining(
                output: y, input: x, scale: scale, shift: shift, mean: mean, variance: variance, batch: batch,
                channels: c, pixels: pixels, layout: layout, epsilon: epsilon, fusedReLU: fusedReLU, cache: cache,
                threads: threads)
            return Double(batch * pixels)
        }
        var inverseStd = [Float](repeating: 0, count: c)
        return inverseStd.withUnsafeMutableBufferPointer { s in
            let total = batchNormReferenceStatistics(
                mean: mean, variance: variance, inverseStd: s.baseAddress!, input: x, batch: batch, channels: c,
                pixels: pixels, layout: layout, epsilon: epsilon, statistics: BatchStatistics(reducer: statistics),
                threads: threads, pool: pool)
            batchNormReferenceNormalize(
                output: y, input: x, gamma: scale, beta: shift, mean: mean, inverseStd: s.baseAddress!, batch: batch,
                channels: c, pixels: pixels, layout: layout, threads: threads, pool: pool)
            return total
        }
    }

    /// Inference forward with given (running) statistics `mean` and `variance`:
    /// `y = scale * (x - mean) / sqrt(variance + epsilon) + shift`, `max(y, 0)` when `fusedReLU`.
    public func inferenceForward(
        output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
        shift: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>,
        batch: Int, channels c: Int, pixels: Int, layout: TensorLayout, epsilon: Float, fusedReLU: Bool,
        cache: OneDNNPrimitiveCache
    ) {
        // No images (an empty evaluation batch): nothing to normalise, and oneDNN refuses a
        // descriptor with a zero dimension.
        guard batch * c * pixels > 0 else { return }
        if usesOneDNN {
            oneDNNBatchNormForwardInference(
                output: y, input: x, scale: scale, shift: shift, mean: mean, variance: variance, batch: batch,
                channels: c, pixels: pixels, layout: layout, epsilon: epsilon, fusedReLU: fusedReLU, cache: cache,
                threads: threads)
            return
        }
        let inverseStd = (0..<c).map { inverseStandardDeviation(variance[$0], epsilon: epsilon) }
        batchNormReferenceNormalize(
            output: y, input: x, gamma: scale, beta: shift, mean: mean, inverseStd: inverseStd, batch: batch,
            channels: c, pixels: pixels, layout: layout, threads: threads, pool: pool)
    }

    /// Backward with batch statistics (the full derivative through the mean and variance) of the
    /// training forward `forward` records, whose `mean`, `variance` and `count` these are:
    /// `dx` written, `dscale += sum(dy * xhat)`, `dshift += sum(dy)` (this part's own sums); with
    /// a fused ReLU, `dy` is the gradient of `max(y, 0)`. Runs where the forward ran.
    public func backward(
        inputGradient dx: UnsafeMutablePointer<Float>, scaleGradient dscale: UnsafeMutablePointer<Float>,
        shiftGradient dshift: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
        outputGradient dy: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, count: Double, batch: Int, channels c: Int,
        pixels: Int, layout: TensorLayout, epsilon: Float, forward: BatchNormForwardRecord, cache: OneDNNPrimitiveCache
    ) {
        if forward.ranOnOneDNN {
            oneDNNBatchNormBackward(
                inputGradient: dx, scaleGradient: dscale, shiftGradient: dshift, input: x, outputGradient: dy,
                scale: scale, shift: shift, mean: mean, variance: variance, batch: batch, channels: c, pixels: pixels,
                layout: layout, epsilon: epsilon, fusedReLU: forward.fusedReLU, cache: cache, threads: threads)
            return
        }
        let inverseStd = (0..<c).map { inverseStandardDeviation(variance[$0], epsilon: epsilon) }
        batchNormReferenceBackward(
            inputGradient: dx, scaleGradient: dscale, shiftGradient: dshift, input: x, outputGradient: dy, gamma: scale,
            mean: mean, inverseStd: inverseStd, batch: batch, channels: c, pixels: pixels, layout: layout, count: count,
            statistics: BatchStatistics(reducer: statistics), threads: threads, pool: pool)
    }
}
