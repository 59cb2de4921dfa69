import LARSCore

/// Turns k micro-batches into one optimizer step, so that a batch of 8K or 32K can be trained on
/// one machine the way the LARS paper did with Caffe's `iter_size`.
///
/// Layers accumulate gradients across `backward` calls, so k backward passes of mean losses over
/// b examples leave the SUM of k mean gradients in each `grad`. When the k-th micro-batch is
/// recorded, the accumulator scales every gradient by 1/k, which gives the gradient of the mean
/// loss over all k*b examples: the same as one batch of k*b for layers without BatchNorm (BatchNorm
/// normalises with per-micro-batch statistics, so it differs by design). The trust ratio is then
/// computed once, on the full-batch gradient.
///
///     var accumulator = GradientAccumulator(microBatchesPerStep: 4)
///     model.zeroGrad()
///     for micro in microBatches {
///         forward, loss (mean over the micro-batch), backward
///         if accumulator.microBatchFinished(model.namedParameters, context: context) {
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

    /// Records one finished backward pass. Returns `true` when it completes a step: the gradients
    /// of `parameters` have then been scaled by 1/k and are ready for `Optimizer.step`.
    public mutating func microBatchFinished(_ parameters: [NamedParameter], context: ExecutionContext) -> Bool {
        pending += 1
        guard pending == microBatchesPerStep else { return false }
        pending = 0
        if microBatchesPerStep > 1 {
            let scale = 1 / Float(microBatchesPerStep)
            let list = parameters.map(\.parameter)
            if let store = ParameterStore.shared(by: list) {
                context.backend.scal(n: store.count, alpha: scale, x: store.gradients)
            } else {
                for p in list { context.backend.scal(n: p.count, alpha: scale, x: p.unsafeGradients) }
            }
        }
        return true
    }

    /// Forgets micro-batches recorded since the last step (after an aborted step, say).
    public mutating func reset() { pending = 0 }
}
