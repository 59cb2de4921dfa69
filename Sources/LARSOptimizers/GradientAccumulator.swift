import LARSCore

/// Turns k micro-batches into one optimizer step, so that a batch of 8K or 32K can be trained on
/// one machine the way the LARS paper did with Caffe's `iter_size`. `Trainer` runs every step
/// through it; a hand-written loop uses it the same way.
///
/// Layers add their gradients into `grad` across `backward` calls, so k backward passes leave
/// the sum of what each pass was given. The accumulator weights each pass before `backward`:
/// `scale(lossGradient:images:of:)` multiplies the loss gradient dL/dlogits of a micro-batch's
/// mean loss by the micro-batch's share of the step, so the sum is the gradient of the mean loss
/// over all k*b examples (and, under data parallelism, over every process's share). That is the
/// same as one batch of k*b for layers without BatchNorm (BatchNorm normalises with
/// per-micro-batch statistics, so it differs by design). The trust ratio is then computed once,
/// on the full batch's gradient.
///
///     var accumulator = GradientAccumulator(microBatchesPerStep: 4)
///     model.zeroGrad()
///     for micro in microBatches {
///         let logits = model.forward(micro.images, context: context)
///         var (loss, dy) = softmaxCrossEntropy(logits: logits, labels: micro.labels)
///         accumulator.scale(lossGradient: &dy)
///         _ = model.backward(dy, context: context)
///         if accumulator.microBatchFinished() {
///             try optimizer.step(learningRate: schedule.value(at: optimizer.stepCount), context: context)
///             model.zeroGrad()
///         }
///     }
public struct GradientAccumulator: Sendable, Equatable {
    /// k, the micro-batches that make one step.
    public let microBatchesPerStep: Int
    /// Micro-batches recorded since the last step (0..<k).
    public private(set) var pending = 0

    /// Creates an accumulator for `microBatchesPerStep` equally sized micro-batches per step.
    public init(microBatchesPerStep: Int) {
        userPrecondition(microBatchesPerStep >= 1, "GradientAccumulator: microBatchesPerStep must be >= 1, got \(microBatchesPerStep)")
        self.microBatchesPerStep = microBatchesPerStep
    }

    /// The weight of a micro-batch's mean-loss gradient in the step: `images / globalImages / k`,
    /// its process's share of the micro-batch over the micro-batches of the step.
    /// - Parameters:
    ///   - images: the micro-batch's images on this process.
    ///   - globalImages: the micro-batch's images over all processes (`images` on one process);
    ///     0 counts as 1.
    public func lossGradientScale(images: Int, of globalImages: Int) -> Float {
        Float(images) / Float(max(globalImages, 1)) / Float(microBatchesPerStep)
    }

    /// Multiplies `dy`, the gradient of a micro-batch's mean loss (`[b, classes]` for
    /// `softmaxCrossEntropy`), by `lossGradientScale(images:of:)` before it is passed to
    /// `backward`.
    /// - Parameters:
    ///   - dy: the loss gradient, scaled in place.
    ///   - images: the micro-batch's images on this process.
    ///   - globalImages: the micro-batch's images over all processes.
    /// - Returns: the factor applied.
    @discardableResult
    public func scale(lossGradient dy: inout Tensor, images: Int, of globalImages: Int) -> Float {
        let factor = lossGradientScale(images: images, of: globalImages)
        dy.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] *= factor }
        }
        return factor
    }

    /// Multiplies `dy`, the gradient of a micro-batch's mean loss on a single process, by 1/k.
    /// - Returns: the factor applied.
    @discardableResult
    public func scale(lossGradient dy: inout Tensor) -> Float {
        scale(lossGradient: &dy, images: 1, of: 1)
    }

    /// Records one finished backward pass. Returns `true` when it completes a step: the
    /// parameters' gradients then hold the step's gradient, ready for `Optimizer.step`.
    public mutating func microBatchFinished() -> Bool {
        pending += 1
        guard pending == microBatchesPerStep else { return false }
        pending = 0
        return true
    }

    /// Forgets micro-batches recorded since the last step (after an aborted step, say).
    public mutating func reset() { pending = 0 }
}
