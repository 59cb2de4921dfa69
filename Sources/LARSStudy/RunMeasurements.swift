import Foundation
import LARSTraining

/// What a run measured beyond accuracy, read from its directory: steps to each validation
/// target (`targets.csv`), the gradient noise scale (`metrics.csv`), and the largest step loss
/// (`steps.csv`, which shows a transient spike a run recovered from).
public struct RunMeasurements: Sendable, Equatable {
    /// The first step at which validation accuracy reached each target, in the run's order.
    public var targets: [TargetReached] = []
    /// The last logged gradient noise scale B_simple (images), or nil when not measured.
    public var noiseScale: Double?
    /// The largest per-step training loss and its step, counted from 1 as `outcome.json` and
    /// `targets.csv` count (steps.csv indexes from 0), or nil without a step log.
    public var peakStepLoss: (step: Int, loss: Double)?

    /// Measurements given directly.
    public init(targets: [TargetReached] = [], noiseScale: Double? = nil, peakStepLoss: (step: Int, loss: Double)? = nil) {
        self.targets = targets
        self.noiseScale = noiseScale
        self.peakStepLoss = peakStepLoss
    }

    /// Reads the measurements of the run in `directory` (missing files read as nothing).
    public init(directory: String) {
        let files = RunFiles(directory: directory)
        let targetTable = readTable(files.targets)
        targets = targetTable.rows.compactMap { row in
            guard let target = targetTable.double(row, "target") else { return nil }
            return TargetReached(
                target: target, step: targetTable.int(row, "step"), epoch: targetTable.int(row, "epoch"),
                accuracy: targetTable.double(row, "validation_accuracy"))
        }
        let metrics = readTable(files.metrics)
        noiseScale = metrics.rows.compactMap { metrics.double($0, "noise_scale") }.last
        let steps = readTable(files.steps)
        for row in steps.rows {
            guard let step = steps.int(row, "step"), let loss = steps.double(row, "loss") else { continue }
            if let peak = peakStepLoss, !peak.loss.isFinite { break }  // a non-finite loss ended the run
            if peakStepLoss == nil || !loss.isFinite || loss > peakStepLoss!.loss { peakStepLoss = (step + 1, loss) }
        }
    }

    /// Steps to `target`, or nil when the run never reached it (or did not record it).
    public func steps(to target: Double) -> Int? {
        targets.first { abs($0.target - target) < 1e-9 }?.step
    }

    /// Equal when the targets, noise scale and peak agree.
    public static func == (a: RunMeasurements, b: RunMeasurements) -> Bool {
        a.targets == b.targets && a.noiseScale == b.noiseScale
            && a.peakStepLoss?.step == b.peakStepLoss?.step && a.peakStepLoss?.loss == b.peakStepLoss?.loss
    }
}

/// The divergence policy of a study's runs, stated in its reports: only a non-finite loss stops
/// a run (lars-train `--divergence-factor 0`), because a loss spike several times ln(classes)
/// can pass (a SGD run at batch 2,048 rose to 61 and recovered to 86.9 %); a run that ends at
/// chance accuracy counts as diverged, and every run's largest step loss is reported.
public enum DivergencePolicy {
    /// lars-train's flags for the policy.
    public static let arguments = ["--divergence-factor", "0"]
    /// The policy in one sentence.
    public static let description =
        "only a non-finite loss or a broken model state (NaN, infinity or a value past 1e18) stops a run "
        + "(--divergence-factor 0); a run that ends at chance accuracy counts as diverged; "
        + "each run's largest step loss is reported, so a transient spike shows"
}
