#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rank 0's hold on the output directory, and what a run prints before and after it trains.
extension Trainer {
    /// Takes the output directory once, before the run's first write: locks it
    /// (`OutputDirectoryLock`, held until the last epoch is done or the trainer is freed), refuses
    /// another run's files unless resuming this directory's checkpoint or `overwrite` is set,
    /// removes them with `overwrite`, and opens the logs. Other ranks write nothing.
    func takeOutputDirectory() throws {
        guard isRoot, metricsLog == nil else { return }
        let intent: OutputDirectoryLock.Intent =
            resumed.map { .resume(checkpoint: $0.path) } ?? (overwrite ? .overwrite : .fresh)
        let lock = try OutputDirectoryLock(directory: files.directory, intent: intent)
        removedFiles = lock.removedTemporaries
        if overwrite && resumed == nil {
            removedFiles += OutputDirectoryLock.runFiles(in: files.directory)
            lock.removeRunFiles()
        }
        outputLock = lock
        try openLogs()
    }

    /// What the run is about to do, as `lars-train` prints it: data, model, optimizer, steps,
    /// processes and threads, convolutions (for a model that has any), micro-batches, memory,
    /// validation split, schedule, and what was resumed or removed.
    public func headerLines() -> [String] {
        let c = configuration
        var lines: [String] = []
        if !removedFiles.isEmpty {
            lines.append("removed \(removedFiles.count) file(s) of an earlier run or interrupted write: \(removedFiles.joined(separator: ", "))")
        }
        if let resumed {
            lines.append("resumed from \(resumed.path) after epoch \(resumed.epoch), step \(step)")
            if resumed.epoch >= c.epochs {
                lines.append("nothing to train: the checkpoint already holds all \(c.epochs) epoch(s) of this run")
            }
        }
        lines.append(
            "training \(c.model) (\(model.parameterCount) parameters) on \(dataName): "
                + "\(trainLoader.sampleCount) training / \(min(c.testLimit ?? testSet.count, testSet.count)) test images, "
                + "\(c.optimizer) at batch \(c.batchSize), \(c.epochs) epochs, \(stepsPerEpoch) steps/epoch, "
                + "\(group.size) process(es) x \(c.threads) thread(s), \(plan.replicas) replica(s)")
        if hasConvolutions { lines.append("convolutions: \(plan.convolutionsDescription)") }
        if let microBatches = plan.microBatchesDescription { lines.append("micro-batches: \(microBatches)") }
        lines.append(
            "memory: about \(formatBytes(memoryEstimate.peakBytes)) at a step's peak (\(formatBytes(memoryEstimate.bytesPerImage)) per image)"
                + (MemoryEstimate.machineBytes().map { " of \(formatBytes($0))" } ?? ""))
        if let validationSet { lines.append("validation: the last \(validationSet.count) training images, held out") }
        lines.append("schedule: \(schedule)")
        return lines
    }

    /// The end of a run, as `lars-train` prints it: final accuracy, wall time and throughput of
    /// the epochs trained, and the files written.
    func closingLines(_ summary: TrainingRunSummary, seconds: Double) -> [String] {
        var lines = [""]
        if let last = history.last, let accuracy = last.testAccuracy {
            lines.append("final test accuracy: \(format(accuracy * 100, 2)) % (test loss \(format(last.testLoss ?? 0, 4)))")
        }
        if !summary.epochs.isEmpty {
            let images = summary.epochs.reduce(0.0) { $0 + $1.imagesPerSecond * $1.seconds }
            let trainSeconds = summary.epochs.reduce(0.0) { $0 + $1.seconds }
            lines.append("wall time \(formatDuration(seconds)), training throughput \(format(images / max(trainSeconds, 1e-9), 0)) images/s")
        }
        lines.append("wrote \(summary.filesWritten.count) file(s) in \(files.directory):")
        lines += summary.filesWritten.map { "  " + $0 }
        if eventFile != nil { lines.append("watch it in TensorBoard: tensorboard --logdir \(files.directory)") }
        return lines
    }

    /// The data's name as the run records it (`plan.dataName`, resolved from the data).
    var dataName: String { plan.dataName?.rawValue ?? TrainingConfiguration.dataName(of: trainSet) }

    /// Whether the model has a convolution, so that the engine running them is worth naming.
    var hasConvolutions: Bool {
        model.namedLayers.contains { $0.layer is Conv2D }
    }

    /// Prints `lines` and flushes, so a log file or pipe sees them at once.
    func printLines(_ lines: [String]) {
        for line in lines { print(line) }
        fflush(nil)
    }
}
