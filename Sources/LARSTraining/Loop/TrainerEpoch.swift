#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One epoch of training: steps (`trainStep`, `TrainingStep.swift`) with each one recorded,
/// validation when due, and the epoch's end: collectives, checks, evaluation and its metrics.
extension Trainer {
    /// The sums of an epoch's steps so far.
    struct EpochTotals {
        /// The loss summed over the global batches' images, and their count.
        var lossSum = 0.0, images = 0.0
        /// This process's correctly classified images.
        var correct = 0.0
        /// The rate of the latest step.
        var rate: Float = 0

        /// Adds a step.
        mutating func add(_ step: StepResult) {
            rate = step.rate
            lossSum += step.lossSum
            images += step.images
            correct += step.correct
        }

        /// The mean loss over the epoch's images so far.
        var meanLoss: Double { lossSum / max(images, 1) }
    }

    /// Trains one epoch and evaluates when due, writing nothing (`trainEpoch()` writes). Throws
    /// `TrainingError.diverged` when a step's loss is not finite or explodes, or a gradient is not
    /// finite (with the `error` policy).
    func trainOneEpoch() throws -> EpochMetrics {
        let epoch = completedEpochs + 1
        let batches = trainLoader.epoch(completedEpochs)
        var totals = EpochTotals()
        var progress = ProgressDisplay()
        let start = monotonicSeconds()
        phases = PhaseClock(replicaSumSeconds: replicaSumSeconds)
        for index in 0..<stepsPerEpoch {
            let step = try trainStep(batches, epoch: epoch, index: index)
            totals.add(step)
            record(step, epoch: epoch, totals: totals, progress: &progress, since: start)
            if isStepValidationDue {
                let reachedTargets = try evaluateStepIfDue(epoch: epoch)
                phases.mark(.evaluation)
                if reachedTargets { break }
            }
        }
        let seconds = monotonicSeconds() - start
        if isRoot && printsProgress { progress.finishEpoch() }
        return try finishEpoch(totals, seconds: seconds)
    }

    /// Rank 0 logs a step (`steps.csv`, trust ratios, TensorBoard) and, with `printsProgress`,
    /// redraws the progress line.
    func record(_ step: StepResult, epoch: Int, totals: EpochTotals, progress: inout ProgressDisplay, since start: Double) {
        if isRoot {
            logStep(step.report, epoch: epoch, rate: step.rate, loss: step.loss)
            if printsProgress {
                progress.update(
                    epoch: epoch, epochs: configuration.epochs, done: Int(totals.images),
                    total: stepsPerEpoch * configuration.batchSize, loss: totals.meanLoss,
                    seconds: monotonicSeconds() - start)
            }
        }
        phases.mark(.checksAndLogs)
    }

    /// Ends the epoch: sums the accuracy over the ranks, shares rank 0's running statistics,
    /// checks the model, evaluates when due and prints the summary line.
    func finishEpoch(_ totals: EpochTotals, seconds: Double) throws -> EpochMetrics {
        let correct = try sumOverProcesses([totals.correct])[0]
        completedEpochs += 1
        try broadcastBuffers()
        // The loss only sees a step's weights at the next step: check the epoch's last ones (and
        // the running statistics, the same on every rank after the broadcast) before anything
        // evaluates or checkpoints them.
        try checkModelState(epoch: completedEpochs)
        phases.mark(.checksAndLogs)
        var metrics = EpochMetrics(
            epoch: completedEpochs, step: optimizer.stepCount, trainLoss: totals.meanLoss,
            trainAccuracy: correct / max(totals.images, 1), testLoss: nil, testAccuracy: nil,
            learningRate: totals.rate, seconds: seconds, imagesPerSecond: totals.images / max(seconds, 1e-9),
            noiseScale: noiseScale.simple)
        if completedEpochs % configuration.evalEvery == 0 || completedEpochs == configuration.epochs
            || stepwise.stopRequested
        {
            (metrics.testLoss, metrics.testAccuracy) = try evaluate()
            if let validationSet {
                (metrics.validationLoss, metrics.validationAccuracy) = try evaluate(on: validationSet, limit: nil)
            }
            phases.mark(.evaluation)
        }
        metrics.phases = phases.times
        history.append(metrics)
        if isRoot && printsProgress {
            print(summaryLine(metrics))
            fflush(nil)  // a log file or pipe sees each epoch as it ends, not at exit
        }
        return metrics
    }
}
