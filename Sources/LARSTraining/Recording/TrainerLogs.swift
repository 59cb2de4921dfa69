#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What rank 0 writes as a run goes: the CSV logs, the report, the checkpoint and the
/// per-epoch summary line.
extension Trainer {
    /// Opens the CSV logs, continuing them when resuming, and removes the outcome of an earlier
    /// run in the same directory (this run writes its own when it ends).
    func openLogs() throws {
        try makeDirectories(files.directory)
        unlink(files.outcome)
        let resuming = completedEpochs > 0
        // Rows past the checkpoint belong to the interrupted run's lost work: drop them.
        let epochs = completedEpochs, steps = optimizer.stepCount
        metricsLog = try CSVLog(
            path: files.metrics, columns: RunFiles.metricsColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) <= epochs })
        stepLog = try CSVLog(
            path: files.steps, columns: RunFiles.stepColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) < steps })
        trustLog = try CSVLog(
            path: files.trustRatios, columns: RunFiles.trustRatioColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) < steps })
        try openTensorBoard()
        try openValidationLog()
    }

    /// Logs one optimizer step: its loss and rate, and the trust ratios of the adapted groups.
    func logStep(_ report: StepReport, epoch: Int, rate: Float, loss: Double) {
        stepLog?.append(["\(report.step)", "\(epoch)", "\(rate)", format(loss, 5)])
        for record in report.parameters where trustRatioGroups.contains(record.group) {
            trustLog?.append([
                "\(report.step)", record.name, "\(record.weightNorm)", "\(record.gradientNorm)",
                "\(record.trustRatio)", "\(record.effectiveLearningRate)",
            ])
        }
        logStepToTensorBoard(report, rate: rate, loss: loss)
    }

    /// Appends the epoch to `metrics.csv`, writes the checkpoint (and `best.safetensors` when the
    /// epoch's held-out accuracy is the best so far) and redraws the report.
    func writeEpochOutputs(_ m: EpochMetrics) throws {
        func optional(_ value: Double?) -> String { value.map { format($0, 5) } ?? "" }
        metricsLog?.append([
            "\(m.epoch)", "\(m.step)", format(m.trainLoss, 5), format(m.trainAccuracy, 5),
            optional(m.testLoss), optional(m.testAccuracy),
            "\(m.learningRate)", format(m.seconds, 3), format(m.imagesPerSecond, 1),
            optional(m.validationLoss), optional(m.validationAccuracy), m.noiseScale.map { format($0, 1) } ?? "",
        ])
        // The best epoch by held-out accuracy: the validation split's when there is one (choosing
        // on the test set would tune to it), the test set's otherwise.
        let score = validationSet != nil ? m.validationAccuracy : m.testAccuracy
        let improved = score.map { $0 > (bestScore ?? -1) } ?? false
        if improved { bestScore = score }
        if writesCheckpoints {
            // The best first: a kill between the two writes then leaves a checkpoint whose
            // best_score names an epoch that best.safetensors already holds (or an older one, which
            // the re-run epoch improves on again), never the reverse.
            if improved { try saveCheckpoint(to: files.best) }
            try saveCheckpoint(to: files.checkpoint)
        }
        try logEpochToTensorBoard(m)
        try TrainingReport.write(files: files, title: "swift-lars training run", details: reportDetails())
    }

    /// Key facts of the run for the report's header.
    func reportDetails() -> [(String, String)] {
        let c = configuration
        let validation = validationSet.map { ", \($0.count) held out for validation" } ?? ""
        var rows: [(String, String)] = [
            ("data set", "\(dataName) (\(trainLoader.sampleCount) training\(validation), \(testSet.count) test images)"),
            ("model", "\(c.model), \(model.parameterCount) parameters"),
            ("optimizer", "\(c.optimizer), batch \(c.batchSize) (\(plan.microBatches) micro-batch(es) of \(plan.microBatchSize)), weight decay \(c.weightDecay)"),
            ("schedule", "\(schedule)"),
            ("kernels", "\(context.backend.name)\(c.backend == .openblas ? " (\(BLASRuntime.threads) OpenBLAS thread(s))" : ""), \(c.threads) threads, \(plan.replicas) replica(s), \(group.size) process(es)\(c.syncBatchNorm && group.size > 1 ? ", synchronised BatchNorm" : "")"),
            ("seed", "\(c.seed)"),
        ]
        if hasConvolutions { rows.insert(("convolutions", plan.convolutionsDescription), at: 4) }
        if let last = history.last, let acc = last.testAccuracy {
            rows.append(("final test accuracy", format(acc * 100, 2) + " % after epoch \(last.epoch)"))
        }
        return rows
    }

    /// One line per epoch: train and test loss and accuracy, validation accuracy, learning rate, time.
    public func summaryLine(_ m: EpochMetrics) -> String {
        var line = "epoch \(m.epoch)/\(configuration.epochs)  train loss \(format(m.trainLoss, 4)) acc \(format(m.trainAccuracy * 100, 2))%"
        if let l = m.testLoss, let a = m.testAccuracy {
            line += "  test loss \(format(l, 4)) acc \(format(a * 100, 2))%"
        }
        if let a = m.validationAccuracy {
            line += "  val acc \(format(a * 100, 2))%"
        }
        line += "  lr \(format(Double(m.learningRate), 4))  \(format(m.seconds, 1)) s  \(format(m.imagesPerSecond, 0)) img/s"
        return line
    }
}

/// Monotonic wall-clock seconds, for timing epochs and runs.
public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
