#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One epoch of training: micro-batches summed into optimizer steps, checks after every step,
/// evaluation when due.
extension Trainer {
    /// Trains one epoch and evaluates when due, writing nothing (`trainEpoch()` writes). Throws
    /// `TrainingError.diverged` when a step's loss is not finite or explodes, or a gradient is not
    /// finite (with the `error` policy).
    func trainOneEpoch() throws -> EpochMetrics {
        let epoch = completedEpochs
        let c = configuration
        let microBatches = plan.microBatches
        let steps = stepsPerEpoch
        let batches = trainLoader.epoch(epoch)
        var progress = ProgressDisplay()
        let start = monotonicSeconds()
        var lossSum: Double = 0, correct: Double = 0, seen: Double = 0
        var lastRate: Float = 0
        // A rank's mean-loss gradient over its shard is weighted by shard/global size and by
        // 1/microBatches: summed over the ranks and the micro-batches it is the mean-loss gradient of
        // the whole global batch, so LARS sees the same norms whatever the process count.
        var training = context
        training.isTraining = true
        var clock = PhaseClock()
        let replicaSums = network as? DataParallel
        for stepIndex in 0..<steps {
            model.zeroGrad()
            noiseProbe?.beginStep()
            var stepLoss: Double = 0, stepCount: Double = 0
            for _ in 0..<microBatches {
                clock.mark(.forwardBackward)
                guard let batch = batches.next() else {
                    throw TrainingError.invalidConfiguration("epoch \(epoch + 1) ran out of batches at step \(stepIndex)")
                }
                clock.mark(.data)
                let summed = replicaSums?.gradientSumSeconds ?? 0
                let logits = network.forward(batch.images, context: training)
                var (loss, gradient) = softmaxCrossEntropy(
                    logits: logits, labels: batch.labels, labelSmoothing: c.labelSmoothing)
                let gradientScale = Float(batch.count) / Float(max(batch.globalCount, 1)) / Float(microBatches)
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] *= gradientScale }
                }
                _ = network.backward(gradient, context: training)
                noiseProbe?.afterMicroBatch(parameterStore.gradientBuffer, scale: gradientScale, images: batch.count)
                let n = Double(batch.count)
                stepLoss += Double(loss) * n
                stepCount += n
                correct += Double(correctCount(logits: logits, labels: batch.labels))
                clock.mark(.forwardBackward)
                clock.move((replicaSums?.gradientSumSeconds ?? 0) - summed, from: .forwardBackward, to: .reduction)
            }
            // Loss and accuracy of the global batch, summed over ranks, so every rank sees the
            // same loss and stops at the same step if it diverged.
            var sums = [stepLoss, stepCount]
            try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
            let globalLoss = sums[0] / max(sums[1], 1)
            let rate = schedule.value(at: optimizer.stepCount)
            try checkDivergence(loss: globalLoss, epoch: epoch + 1, rate: rate)
            clock.mark(.checksAndLogs)
            try allReduceGradients()
            try measureNoiseScale()
            clock.mark(.reduction)
            let report: StepReport
            do {
                report = try optimizer.step(learningRate: rate, context: training)
            } catch let error as OptimizerError {
                guard case .nonFiniteGradient = error else { throw error }
                throw TrainingError.diverged(epoch: epoch + 1, step: optimizer.stepCount + 1, reason: "\(error)")
            }
            clock.mark(.optimizer)
            try checkStep(report, epoch: epoch + 1)
            lastRate = rate
            lossSum += sums[0]
            seen += sums[1]
            if isRoot {
                logStep(report, epoch: epoch + 1, rate: rate, loss: globalLoss)
                if printsProgress {
                    progress.update(
                        epoch: epoch + 1, epochs: c.epochs, done: Int(seen), total: steps * c.batchSize,
                        loss: lossSum / max(seen, 1), seconds: monotonicSeconds() - start)
                }
            }
            clock.mark(.checksAndLogs)
            if isStepValidationDue {
                let reachedTargets = try evaluateStepIfDue(epoch: epoch + 1)
                clock.mark(.evaluation)
                if reachedTargets { break }
            }
        }
        let seconds = monotonicSeconds() - start
        if isRoot && printsProgress { progress.finishEpoch() }
        var counts = [correct]
        try counts.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        completedEpochs += 1
        try broadcastBuffers()
        // The loss only sees a step's weights at the next step: check the epoch's last ones (and
        // the running statistics, the same on every rank after the broadcast) before anything
        // evaluates or checkpoints them.
        try checkModelState(epoch: completedEpochs)
        clock.mark(.checksAndLogs)
        var metrics = EpochMetrics(
            epoch: completedEpochs, step: optimizer.stepCount, trainLoss: lossSum / max(seen, 1),
            trainAccuracy: counts[0] / max(seen, 1), testLoss: nil, testAccuracy: nil, learningRate: lastRate,
            seconds: seconds, imagesPerSecond: seen / max(seconds, 1e-9), noiseScale: noiseScale.simple)
        if completedEpochs % c.evalEvery == 0 || completedEpochs == c.epochs || stepwise.stopRequested {
            (metrics.testLoss, metrics.testAccuracy) = try evaluate()
            if let validationSet {
                let (loss, accuracy) = try evaluate(on: validationSet, limit: nil)
                (metrics.validationLoss, metrics.validationAccuracy) = (loss, accuracy)
            }
            clock.mark(.evaluation)
        }
        metrics.phases = clock.times
        history.append(metrics)
        if isRoot && printsProgress {
            print(summaryLine(metrics))
            fflush(nil)  // a log file or pipe sees each epoch as it ends, not at exit
        }
        return metrics
    }
}
