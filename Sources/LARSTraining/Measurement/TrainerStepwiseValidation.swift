import Foundation

/// What the trainer keeps of its step-wise evaluations.
struct StepwiseValidationState {
    /// Every evaluation of this run (and of its resumed predecessors).
    var points: [ValidationPoint] = []
    /// `validation_steps.csv`.
    var log: CSVLog?
    /// Set when `stopAtTarget` asked to stop and every target is reached.
    var stopRequested = false
    /// When the first epoch of this process started (`monotonicSeconds`), for `outcome.json`.
    var startSeconds: Double?
}

/// Validation every few steps, steps to each target (`targets.csv`), and the early stop.
extension Trainer {
    /// Optimizer steps between evaluations of the validation split (0: none).
    public var validationInterval: Int { configuration.validationInterval(stepsPerEpoch: stepsPerEpoch) }

    /// The first step at which each target was reached, from the evaluations so far.
    public var targetsReached: [TargetReached] {
        TargetReached.first(in: stepwise.points, targets: configuration.resolvedTargets)
    }

    /// After an optimizer step: evaluates the validation split when due, logs it, rewrites
    /// `targets.csv`, and returns whether the run should stop (every target reached under
    /// `stopAtTarget`). Evaluation runs in evaluation mode and changes nothing the training sees.
    func evaluateStepIfDue(epoch: Int) throws -> Bool {
        guard isStepValidationDue, let validationSet else { return false }
        let (loss, accuracy) = try evaluate(on: validationSet, limit: nil)
        let point = ValidationPoint(step: step, epoch: epoch, loss: loss, accuracy: accuracy)
        stepwise.points.append(point)
        let reached = targetsReached
        if isRoot {
            stepwise.log?.append(["\(point.step)", "\(point.epoch)", format(point.loss, 5), format(point.accuracy, 5)])
            try writeTargets(reached)
        }
        if configuration.stopAtTarget ?? false, reached.allSatisfy({ $0.step != nil }) {
            stepwise.stopRequested = true
        }
        return stepwise.stopRequested
    }

    /// Whether the step just taken is one at which the validation split is evaluated.
    var isStepValidationDue: Bool {
        let interval = validationInterval
        return interval > 0 && step % interval == 0 && validationSet != nil
    }

    /// Opens `validation_steps.csv` (continued when resuming, rows past the checkpoint dropped)
    /// and reloads its points, so that steps to a target survive a resume.
    func openValidationLog() throws {
        let steps = optimizer.stepCount
        let resuming = completedEpochs > 0
        stepwise.log = try CSVLog(
            path: files.validationSteps, columns: RunFiles.validationStepColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) <= steps })
        stepwise.points = []
        if resuming, let table = try? readCSV(files.validationSteps) {
            stepwise.points = table.rows.compactMap { row in
                guard row.count == 4, let s = Int(row[0]), let e = Int(row[1]), let l = Double(row[2]), let a = Double(row[3]) else { return nil }
                return ValidationPoint(step: s, epoch: e, loss: l, accuracy: a)
            }
        }
        try writeTargets(targetsReached)
    }

    /// Writes `targets.csv`: one row per target, its first step, epoch and images seen (empty
    /// when not reached), atomically.
    func writeTargets(_ reached: [TargetReached]) throws {
        var text = RunFiles.targetColumns.joined(separator: ",") + "\n"
        for r in reached {
            let images = r.step.map { String($0 * configuration.batchSize) } ?? ""
            text += [
                format(r.target, 4), r.step.map(String.init) ?? "", r.epoch.map(String.init) ?? "", images,
                r.accuracy.map { format($0, 5) } ?? "", "\(validationInterval)",
            ].joined(separator: ",") + "\n"
        }
        try writeTextFileAtomically(text, to: files.targets)
    }
}
