#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole run, or one epoch of it: training, logs, report, checkpoint and the run's outcome.
extension Trainer {
    /// Trains until `configuration.epochs` epochs are complete, evaluating, logging, reporting
    /// and checkpointing on the way. Rank 0 takes the output directory first (see
    /// `trainEpoch()`), records how the run ended in `files.outcome` and, with `printsProgress`,
    /// prints a header, each epoch, and the final accuracy and files written.
    ///
    /// After `loadCheckpoint(from:)` of a run that already trained every epoch, nothing is
    /// trained: the summary says so (`wasAlreadyFinished`), and so does the printed header.
    /// - Returns: what was resumed, trained and written.
    /// - Throws: `TrainingError.diverged` for a run that diverges (the last good checkpoint
    ///   stays in place); `TrainingError` when the output directory is locked by another run or
    ///   holds another run's files (without `overwrite`) or cannot be written.
    @discardableResult
    public func run() throws -> TrainingRunSummary {
        try takeOutputDirectory()
        let startEpoch = completedEpochs
        if isRoot && printsProgress { printLines(headerLines()) }
        let start = monotonicSeconds()
        var ran: [EpochMetrics] = []
        while completedEpochs < configuration.epochs && !stepwise.stopRequested {
            ran.append(try trainEpoch())
        }
        if isRoot && ran.isEmpty {
            // A finished run resumed: trainEpoch() wrote nothing, but taking the directory
            // removed its outcome.
            try RunOutcome(state: .finished, epoch: completedEpochs, step: step, reason: "").write(to: files.outcome)
        }
        let summary = TrainingRunSummary(
            epochs: ran, resumedFrom: resumed?.path, startEpoch: startEpoch, completedEpochs: completedEpochs,
            filesWritten: isRoot ? writtenFiles(trainedEpochs: !ran.isEmpty) : [], filesRemoved: removedFiles)
        if isRoot && printsProgress { printLines(closingLines(summary, seconds: monotonicSeconds() - start)) }
        outputLock = nil
        return summary
    }

    /// Trains one epoch, evaluates when due and, on rank 0, writes as `run()` does: the first
    /// call takes the output directory (`files.directory`: created, locked against other runs,
    /// refused when it holds another run's files unless this trainer resumed its checkpoint or
    /// `overwrite` is set), then every call appends to the CSV logs, writes the checkpoint (and
    /// `best.safetensors` on a new best), redraws the report, and after the last epoch records
    /// the outcome and releases the directory.
    /// - Returns: the epoch's metrics.
    /// - Throws: `TrainingError.diverged` when a step's loss is not finite or explodes, or a
    ///   gradient is not finite (with the `error` policy), recording it in `files.outcome`;
    ///   `TrainingError` when the output directory cannot be taken or written.
    @discardableResult
    public func trainEpoch() throws -> EpochMetrics {
        try takeOutputDirectory()
        if stepwise.startSeconds == nil { stepwise.startSeconds = monotonicSeconds() }
        let seconds = { monotonicSeconds() - (self.stepwise.startSeconds ?? 0) }
        do {
            let metrics = try trainOneEpoch()
            if isRoot {
                try writeEpochOutputs(metrics)
                if completedEpochs >= configuration.epochs || stepwise.stopRequested {
                    let reason = stepwise.stopRequested
                        ? "stopped at step \(step): validation accuracy reached every target (--stop-at-target)" : ""
                    var outcome = RunOutcome(state: .finished, epoch: completedEpochs, step: step, reason: reason)
                    outcome.wallSeconds = seconds()
                    try outcome.write(to: files.outcome)
                    outputLock = nil
                }
            }
            return metrics
        } catch let error as TrainingError {
            if isRoot, case .diverged(let epoch, let step, let reason) = error {
                // Best effort: failing to record it must not hide that the run diverged. The
                // report is drawn too (its step chart shows the loss that stopped the run), even
                // when no epoch completed; checkpoints exist only for completed epochs.
                try? eventFile?.flush()  // the steps up to the divergence, to see it coming
                var outcome = RunOutcome(state: .diverged, epoch: epoch, step: step, reason: reason)
                outcome.wallSeconds = seconds()
                try? outcome.write(to: files.outcome)
                try? TrainingReport.write(files: files, title: "swift-lars training run (diverged)", details: reportDetails())
            }
            throw error
        }
    }

    /// The files of `files` this run wrote: logs, report and outcome, and the checkpoints when
    /// it trained and `writesCheckpoints` is set.
    func writtenFiles(trainedEpochs: Bool) -> [String] {
        let measured = [files.validationSteps, files.targets]
        guard trainedEpochs else { return [files.metrics, files.steps, files.trustRatios] + measured + [files.outcome] }
        var written = [files.metrics, files.steps, files.trustRatios] + measured + [files.report]
        if writesCheckpoints { written.append(files.checkpoint) }
        if writesCheckpoints && access(files.best, F_OK) == 0 { written.append(files.best) }
        if let eventFile { written.append(eventFile.path) }
        return written + [files.outcome]
    }
}
