/// Sums BatchNorm's per-channel batch statistics over the parts of a batch that run apart, so
/// that every part normalises with the statistics of the *whole* batch (synchronised
/// BatchNorm). The conformers: the replicas of a `DataParallel` layer on threads of one
/// process (`LARSNN`), the processes of an MPI job (`ProcessGroupStatisticsReducer`,
/// `LARSTraining`), and any a program writes; `nil` where a reducer is optional means this
/// process's own batch alone.
///
/// Every part must call `sum` the same number of times, in the same order, with buffers of
/// the same length: BatchNorm makes two calls per training-mode forward and one per backward.
public protocol BatchStatisticsReducer: AnyObject {
    /// Replaces `values` with their element-wise sum over all parts. Cannot fail: an
    /// implementation whose transport fails must stop the job itself.
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
}

/// BatchNorm's batch statistics as the Swift kernels compute them: the one place that turns
/// per-channel sums (from the walk over plain or channel-blocked activations,
/// `BatchNormReference.swift`, `BatchNormReferenceBlocked.swift`) into the statistics and
/// sums them over the whole batch with `reducer`. Sums are in Double.
struct BatchStatistics {
    /// Sums over replicas or processes, or `nil` for this process's batch alone.
    let reducer: (any BatchStatisticsReducer)?

    /// The two passes of the batch statistics around the walks that sum over the activations:
    /// `sumValues` writes each channel's sum of values into `sums[0..<channels]`, then
    /// `sumSquaredDeviations` each channel's sum of `(x - mean)^2` into `squares`, given the mean
    /// (two passes avoid the cancellation of `E[x^2] - E[x]^2`). The reducer sums each pass's
    /// results over the parts in between; `sums[channels]` carries the value count, so one
    /// reduction gives the global count too. Writes `mean`, the biased `variance` and
    /// `inverseStd = 1 / sqrt(variance + epsilon)`, all `[channels]`; returns the count.
    func meanAndVariance(
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
        inverseStd: UnsafeMutablePointer<Float>, channels c: Int, valuesPerChannel: Int, epsilon: Float,
        sumValues: (inout [Double]) -> Void,
        sumSquaredDeviations: (inout [Double], SendableConstPointer<Float>) -> Void
    ) -> Double {
        var sums = [Double](repeating: 0, count: c + 1)
        sumValues(&sums)
        sums[c] = Double(valuesPerChannel)
        if let reducer { sums.withUnsafeMutableBufferPointer { reducer.sum($0) } }
        let total = sums[c]
        for ch in 0..<c { mean[ch] = Float(sums[ch] / total) }
        var squares = [Double](repeating: 0, count: c)
        sumSquaredDeviations(&squares, SendableConstPointer(UnsafePointer(mean)))
        if let reducer { squares.withUnsafeMutableBufferPointer { reducer.sum($0) } }
        for ch in 0..<c {
            variance[ch] = Float(squares[ch] / total)
            inverseStd[ch] = inverseStandardDeviation(variance[ch], epsilon: epsilon)
        }
        return total
    }

    /// The backward's sums: `sums[0..<channels]` holds this part's `sum(dy)` and
    /// `sums[channels..<2 channels]` its `sum(dy * xhat)` per channel. Adds them into the
    /// parameter gradients `dbeta` and `dgamma` (this part's own sums: a trainer sums parameter
    /// gradients over parts afterwards), then replaces them with their sums over the parts,
    /// which dx needs.
    func reduceGradientSums(
        _ sums: inout [Double], channels c: Int, scaleGradient dgamma: UnsafeMutablePointer<Float>,
        shiftGradient dbeta: UnsafeMutablePointer<Float>
    ) {
        for ch in 0..<c {
            dbeta[ch] += Float(sums[ch])
            dgamma[ch] += Float(sums[c + ch])
        }
        if let reducer { sums.withUnsafeMutableBufferPointer { reducer.sum($0) } }
    }
}

/// `1 / sqrt(variance + epsilon)`, the factor every BatchNorm path normalises by.
@inline(__always)
func inverseStandardDeviation(_ variance: Float, epsilon: Float) -> Float {
    1 / (variance + epsilon).squareRoot()
}

/// Moves the running statistics towards a batch's (PyTorch's convention):
/// `running = (1 - momentum) * running + momentum * batch`, where the running variance takes the
/// *unbiased* batch variance, `count / (count - 1)` times the biased one. Both engines use it.
///
/// - `runningMean`, `runningVariance`: updated in place, `[channels]`.
/// - `mean`, `variance`: the batch mean and biased variance, `[channels]`.
/// - `count`: values per channel behind them (more than one).
public func batchNormUpdateRunningStatistics(
    runningMean rm: UnsafeMutablePointer<Float>, runningVariance rv: UnsafeMutablePointer<Float>,
    mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, channels c: Int, momentum mom: Float, count: Double
) {
    let unbiased = Float(count) / Float(count - 1)
    for ch in 0..<c {
        rm[ch] = (1 - mom) * rm[ch] + mom * mean[ch]
        rv[ch] = (1 - mom) * rv[ch] + mom * variance[ch] * unbiased
    }
}
