/// A whole run: epochs until the configuration's count, with logs, report, checkpoint and the
/// run's outcome.
extension Trainer {
    /// Trains until `configuration.epochs` epochs are complete, evaluating, logging, reporting
    /// and checkpointing on the way; returns the metrics of the epochs run now. Rank 0 records
    /// how the run ended in `files.outcome`; a run that diverges throws
    /// `TrainingError.diverged` and leaves the last good checkpoint in place.
    @discardableResult
    public func run() throws -> [EpochMetrics] {
        if isRoot { try openLogs() }
        if isRoot && printsProgress && configuration.resolvedReplicas > 1
            && configuration.backend == "openblas" && BLASRuntime.threads > configuration.threadsPerReplica
        {
            // Several multi-threaded gemms at once contend for the cores: say how to fix it.
            print(
                "note: OpenBLAS runs \(BLASRuntime.threads) threads for each of \(configuration.resolvedReplicas) replicas; "
                    + "BLASRuntime.setThreads(\(configuration.threadsPerReplica)) before training is faster")
        }
        var ran: [EpochMetrics] = []
        do {
            while completedEpochs < configuration.epochs {
                let metrics = try trainEpoch()
                ran.append(metrics)
                if isRoot {
                    try writeEpochOutputs(metrics)
                }
            }
        } catch let error as TrainingError {
            if isRoot, case .diverged(let epoch, let step, let reason) = error {
                // Best effort: failing to record it must not hide that the run diverged.
                try? RunOutcome(state: .diverged, epoch: epoch, step: step, reason: reason).write(to: files.outcome)
            }
            throw error
        }
        if isRoot {
            try RunOutcome(state: .finished, epoch: completedEpochs, step: step, reason: "").write(to: files.outcome)
        }
        return ran
    }
}
