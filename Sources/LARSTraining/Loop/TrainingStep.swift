/// One optimizer step: the micro-batch passes, the sums over the processes and the update.
/// What surrounds it (the epoch, logs, progress, evaluation, checkpoints) is in
/// `TrainerEpoch.swift`, the checks it calls in `DivergenceChecks.swift`.
extension Trainer {
    /// What a step gives the epoch around it.
    struct StepResult {
        /// The mean loss of the global batch (every process's images of every micro-batch).
        var loss: Double
        /// The loss summed over the global batch's images.
        var lossSum: Double
        /// The global batch's images.
        var images: Double
        /// The images of this process's share the model classified correctly.
        var correct: Double
        /// The rate the step ran at.
        var rate: Float
        /// The optimizer's record of the step.
        var report: StepReport
    }

    /// Trains one step of `plan.microBatches` micro-batches from `batches`: each pass's loss
    /// gradient is weighted by its share of the global batch (`GradientAccumulator`), so the
    /// summed gradient, once summed over the processes too, is the mean-loss gradient of the
    /// whole global batch and LARS sees the same norms whatever the split. The loss is summed
    /// over the processes before the update, so every process stops at the same step if it
    /// diverged. Phase times go to `phases`.
    /// - Parameters:
    ///   - epoch: the 1-based epoch, for errors and logs.
    ///   - index: the step's position in the epoch, for errors.
    /// - Throws: `TrainingError.diverged` (`checkDivergence`, `checkStep`, a non-finite gradient
    ///   under the `error` policy); `TrainingError.invalidConfiguration` when the epoch runs
    ///   out of batches.
    func trainStep(_ batches: EpochBatches, epoch: Int, index: Int) throws -> StepResult {
        let training = trainingContext
        model.zeroGrad()
        noiseProbe?.beginStep()
        var accumulator = GradientAccumulator(microBatchesPerStep: plan.microBatches)
        var lossSum = 0.0, images = 0.0, correct = 0.0  // over this process's images
        repeat {
            let batch = try nextBatch(batches, epoch: epoch, step: index)
            let logits = network.forward(batch.images, context: training)
            var (loss, dy) = softmaxCrossEntropy(
                logits: logits, labels: batch.labels, labelSmoothing: configuration.labelSmoothing)
            let scale = accumulator.scale(lossGradient: &dy, images: batch.count, of: batch.globalCount)
            _ = network.backward(dy, context: training)
            noiseProbe?.afterMicroBatch(parameterStore.gradientBuffer, scale: scale, images: batch.count)
            lossSum += Double(loss) * Double(batch.count)
            images += Double(batch.count)
            correct += Double(correctCount(logits: logits, labels: batch.labels))
            phases.markPass(replicaSumSeconds: replicaSumSeconds)
        } while !accumulator.microBatchFinished()
        let global = try sumOverProcesses([lossSum, images])
        let loss = global[0] / max(global[1], 1)
        let rate = schedule.value(at: optimizer.stepCount)
        try checkDivergence(loss: loss, epoch: epoch, rate: rate)
        phases.mark(.checksAndLogs)
        try allReduceGradients()
        try measureNoiseScale()
        phases.mark(.reduction)
        let report = try optimizerStep(learningRate: rate, epoch: epoch)
        phases.mark(.optimizer)
        try checkStep(report, epoch: epoch)
        return StepResult(loss: loss, lossSum: global[0], images: global[1], correct: correct, rate: rate, report: report)
    }

    /// The model's context in training mode.
    var trainingContext: ExecutionContext {
        var training = context
        training.isTraining = true
        return training
    }

    /// The next micro-batch of the epoch, the wait for it charged to the data phase.
    func nextBatch(_ batches: EpochBatches, epoch: Int, step: Int) throws -> Batch {
        phases.mark(.forwardBackward)
        guard let batch = batches.next() else {
            throw TrainingError.invalidConfiguration("epoch \(epoch) ran out of batches at step \(step)")
        }
        phases.mark(.data)
        return batch
    }

    /// The optimizer's step at `rate`; a non-finite gradient (under the `error` policy) ends the
    /// run as diverged.
    func optimizerStep(learningRate rate: Float, epoch: Int) throws -> StepReport {
        do {
            return try optimizer.step(learningRate: rate, context: trainingContext)
        } catch let error as OptimizerError {
            guard case .nonFiniteGradient = error else { throw error }
            throw TrainingError.diverged(epoch: epoch, step: optimizer.stepCount + 1, reason: "\(error)")
        }
    }

    /// The replicas' running total of seconds spent summing their gradients (0 without
    /// replicas), which the phase clock moves from forward/backward to reduction.
    var replicaSumSeconds: Double { (network as? DataParallel)?.gradientSumSeconds ?? 0 }
}
