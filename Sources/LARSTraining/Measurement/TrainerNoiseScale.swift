/// The gradient noise scale measured as training goes (`GradientNoiseScale`), from what
/// micro-batching computes anyway: each micro-batch's gradient (the small batch) and their sum
/// over the step (the big batch). Under MPI each rank's share of a micro-batch is a small batch
/// of its own. A step of one pass on one process has no small batch and is not measured
/// (`TrainingConfiguration.noiseScaleSplit` cuts such steps in two).
final class NoiseScaleProbe {
    /// What the accumulated gradient held after the previous micro-batch.
    private let previous: UnsafeMutableBufferPointer<Float>
    /// Σ over this step's micro-batches of |micro-batch mean gradient|².
    private(set) var smallSquaredNormSum = 0.0
    /// Micro-batches in `smallSquaredNormSum`.
    private(set) var smallCount = 0
    /// Examples per small batch (this rank's images of the latest micro-batch).
    private(set) var smallBatch = 0

    /// A probe for gradients of `count` floats.
    init(count: Int) {
        previous = .allocate(capacity: count)
        previous.initialize(repeating: 0)
    }

    deinit { previous.deallocate() }

    /// Starts a step: the gradients were just zeroed.
    func beginStep() {
        previous.update(repeating: 0)
        smallSquaredNormSum = 0
        smallCount = 0
    }

    /// After a micro-batch's backward pass: `gradients` holds the step's sum so far, to which the
    /// micro-batch added its mean-loss gradient times `scale` (the trainer's weighting); one pass
    /// over the gradients and the copy.
    func afterMicroBatch(_ gradients: UnsafeMutableBufferPointer<Float>, scale: Float, images: Int) {
        guard let a = gradients.baseAddress, let b = previous.baseAddress, scale > 0 else { return }
        let added = squaredDifferenceThenCopy(count: min(gradients.count, previous.count), a, b)
        let s = Double(scale)
        smallSquaredNormSum += added / (s * s)
        smallCount += 1
        smallBatch = images
    }
}

extension Trainer {
    /// After the gradients were summed over the ranks: folds the step into `noiseScale` (one
    /// extra sum of squares, and under MPI one small all-reduce).
    func measureNoiseScale() throws {
        guard let probe = noiseProbe else { return }
        var sums = [probe.smallSquaredNormSum, Double(probe.smallCount), Double(probe.smallBatch)]
        try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        guard sums[1] > 0 else { return }
        let big = parameterStore.gradientBuffer
        var bigSquared = 0.0
        if let base = big.baseAddress { bigSquared = Double(context.backend.dot(n: big.count, x: base, y: base)) }
        noiseScale.add(
            smallSquaredNorm: sums[0] / sums[1], smallBatch: Int(sums[2] / Double(group.size)),
            bigSquaredNorm: bigSquared, bigBatch: configuration.batchSize)
    }
}
