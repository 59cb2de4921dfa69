import LARSTraining

/// How a run of the study stands.
public enum RunState: String, Sendable, Codable {
    /// lars-train finished and the model learnt something.
    case finished
    /// lars-train stopped on a non-finite or exploding loss (exit 3), or finished at chance accuracy.
    case diverged
    /// lars-train ended otherwise (a crash, a bad flag): the exit code and last lines are kept.
    case failed
    /// Not run yet, or interrupted (to be resumed).
    case pending
}

/// Test accuracy after one epoch, for the curves of the report.
public struct EpochAccuracy: Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// Test accuracy in [0, 1].
    public var accuracy: Double
}

/// One run of a study as it stands: one row of `study.csv`.
public struct RunResult: Sendable, Equatable {
    /// The run.
    public var run: StudyRun
    /// Epochs the study asked for.
    public var epochs: Int
    /// Optimizer steps done (at the last logged epoch).
    public var steps: Int = 0
    /// Test accuracy after the last logged epoch, in [0, 1].
    public var finalTestAccuracy: Double?
    /// Best test accuracy of any epoch, in [0, 1] (reported, never used to choose).
    public var bestTestAccuracy: Double?
    /// Validation accuracy after the last logged epoch, in [0, 1]: what the rate search chooses by.
    public var validationAccuracy: Double?
    /// Mean training loss of the last logged epoch.
    public var trainLoss: Double?
    /// Training seconds summed over the logged epochs (evaluation and start-up excluded).
    public var wallSeconds: Double = 0
    /// Training images per second over the logged epochs.
    public var imagesPerSecond: Double = 0
    /// How the run stands.
    public var state: RunState = .pending
    /// The epoch the run diverged in, when it did.
    public var divergedEpoch: Int?
    /// lars-train's reason for divergence, "collapsed to chance", or the failure's exit code.
    public var reason: String = ""
    /// The run directory.
    public var directory: String
    /// Whether this run is its cell's chosen one (the only run, or the best validation accuracy of a search).
    public var selected: Bool = false
    /// Test accuracy per evaluated epoch.
    public var curve: [EpochAccuracy] = []
    /// The step that stopped a diverged run (lars-train's `outcome.json`); `steps` counts only
    /// completed epochs.
    public var divergedStep: Int?
    /// Steps to each validation target, noise scale and peak step loss (`RunMeasurements`).
    public var measurements = RunMeasurements()

    /// A run not started yet.
    public init(run: StudyRun, epochs: Int, directory: String) {
        self.run = run
        self.epochs = epochs
        self.directory = directory
    }

    /// Reads the state of `run` from its directory. `collapseThreshold` is the accuracy (the
    /// validation split's when the run has one, else the test set's) at or below which a
    /// finished run counts as diverged ("collapsed to chance").
    public static func read(run: StudyRun, epochs: Int, directory: String, collapseThreshold: Double) -> RunResult {
        var r = RunResult(run: run, epochs: epochs, directory: directory)
        let files = RunDirectory(path: directory)
        let metrics = files.metrics()
        if let last = metrics.last {
            r.steps = last.step
            r.trainLoss = last.trainLoss
            r.finalTestAccuracy = metrics.last(where: { $0.testAccuracy != nil })?.testAccuracy
            r.validationAccuracy = metrics.last(where: { $0.validationAccuracy != nil })?.validationAccuracy
            r.bestTestAccuracy = metrics.compactMap(\.testAccuracy).max()
            r.wallSeconds = metrics.reduce(0) { $0 + $1.seconds }
            let images = metrics.reduce(0) { $0 + $1.seconds * $1.imagesPerSecond }
            r.imagesPerSecond = r.wallSeconds > 0 ? images / r.wallSeconds : 0
            r.curve = metrics.compactMap { m in m.testAccuracy.map { EpochAccuracy(epoch: m.epoch, accuracy: $0) } }
        }
        r.measurements = RunMeasurements(directory: directory)
        if let outcome = files.outcome() {
            // The whole run's time, which a run that diverged before completing an epoch has
            // only here.
            if let seconds = outcome.wallSeconds, r.wallSeconds == 0 { r.wallSeconds = seconds }
            if outcome.state == .diverged {
                r.state = .diverged
                r.divergedEpoch = outcome.epoch
                r.reason = outcome.reason
                r.divergedStep = outcome.step
            } else if let accuracy = r.validationAccuracy ?? r.finalTestAccuracy, accuracy <= collapseThreshold {
                // On the validation split when the run has one, so that the test set never
                // removes a search's trial.
                r.state = .diverged
                r.reason = "collapsed to chance"
                // The first epoch from which the run stayed at chance.
                var epoch = r.curve.last?.epoch ?? outcome.epoch
                for point in r.curve.reversed() {
                    if point.accuracy > collapseThreshold { break }
                    epoch = point.epoch
                }
                r.divergedEpoch = epoch
            } else {
                r.state = .finished
            }
        } else if let failure = files.failure() {
            r.state = .failed
            r.reason = failure.reason ?? "exit code \(failure.exitCode)"
        }
        return r
    }

    /// Whether the study is done with this run (it is not run again).
    public var isDone: Bool { state == .finished || state == .diverged }
}

/// Chooses each cell's run: among a cell's runs (a rate search), the finished one with the best
/// final validation accuracy; never the test set. A cell with no finished run shows its rule's
/// run (factor 1), so that the table says how that one ended.
public enum RateSelection {
    /// Returns `results` with `selected` set on exactly one run per cell key, same order.
    public static func markSelected(_ results: [RunResult]) -> [RunResult] {
        var chosen: [CellKey: Int] = [:]
        for (i, r) in results.enumerated() {
            guard let current = chosen[r.run.cellKey] else {
                chosen[r.run.cellKey] = i
                continue
            }
            if isBetter(r, than: results[current]) { chosen[r.run.cellKey] = i }
        }
        let winners = Set(chosen.values)
        return results.enumerated().map { i, r in
            var copy = r
            copy.selected = winners.contains(i)
            return copy
        }
    }

    /// Finished beats everything else; among finished runs, higher validation accuracy (a missing
    /// one counts as lowest); otherwise the run nearer the rule's rate.
    static func isBetter(_ a: RunResult, than b: RunResult) -> Bool {
        let aFinished = a.state == .finished, bFinished = b.state == .finished
        if aFinished != bFinished { return aFinished }
        if aFinished {
            let va = a.validationAccuracy ?? -1, vb = b.validationAccuracy ?? -1
            if va != vb { return va > vb }
        }
        return abs(log2Factor(a.run.rateFactor)) < abs(log2Factor(b.run.rateFactor))
    }

    private static func log2Factor(_ f: Double) -> Double {
        var x = f, n = 0.0
        while x >= 2 { x /= 2; n += 1 }
        while x < 1 && x > 0 { x *= 2; n -= 1 }
        return n
    }
}
