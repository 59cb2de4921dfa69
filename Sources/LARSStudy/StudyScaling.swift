import Foundation
import LARSTraining

/// Steps to a validation target in one cell (optimizer, batch) over its seeds' chosen runs.
public struct ScalingPoint: Sendable, Equatable {
    /// The optimizer.
    public var optimizer: StudyOptimizer
    /// Images per step.
    public var batch: Int
    /// Mean steps to the target over the seeds that reached it, or nil when none did.
    public var meanSteps: Double?
    /// Smallest and largest steps over those seeds.
    public var range: ClosedRange<Int>?
    /// Seeds that reached the target, of `seeds`.
    public var reached: Int
    /// Seeds with a chosen run.
    public var seeds: Int
}

/// The steps-to-target view of a study (Shallue et al. 2019): steps against batch per optimizer,
/// the perfect-scaling line through the smallest batch, where the measured curve bends away from
/// it, and the critical batch the gradient noise scale predicts (McCandlish et al. 2018).
public enum StudyScaling {
    /// One point per (optimizer, batch) of `settings` for `target`, from each cell's chosen runs.
    public static func points(_ results: [RunResult], settings: StudySettings, target: Double) -> [ScalingPoint] {
        let chosen = results.filter(\.selected)
        return settings.optimizers.flatMap { optimizer in
            settings.batches.map { batch in
                let cell = chosen.filter { $0.run.optimizer == optimizer && $0.run.batch == batch }
                let steps = cell.compactMap { $0.measurements.steps(to: target) }
                let mean = steps.isEmpty ? nil : Double(steps.reduce(0, +)) / Double(steps.count)
                return ScalingPoint(
                    optimizer: optimizer, batch: batch, meanSteps: mean,
                    range: steps.isEmpty ? nil : steps.min()!...steps.max()!, reached: steps.count, seeds: cell.count)
            }
        }
    }

    /// The batch at which the measured steps reach twice the perfect-scaling line through the
    /// smallest batch that reached the target (where S(B) = S_min (1 + B_noise / B) needs twice
    /// its minimum: the critical batch), interpolated on log-log axes between grid points; nil when
    /// fewer than two batches reached the target or the curve never bends that far on the grid.
    public static func measuredBend(_ points: [ScalingPoint]) -> Double? {
        let reached = points.compactMap { p in p.meanSteps.map { (batch: Double(p.batch), steps: $0) } }.sorted { $0.batch < $1.batch }
        guard let base = reached.first, reached.count >= 2 else { return nil }
        // ratio = steps / (base.steps * base.batch / batch): 1 at the base, 2 at the bend.
        let ratios = reached.map { (batch: $0.batch, ratio: $0.steps * $0.batch / (base.steps * base.batch)) }
        for (a, b) in zip(ratios, ratios.dropFirst()) where a.ratio < 2 && b.ratio >= 2 {
            let t = (log(2) - log(a.ratio)) / (log(b.ratio) - log(a.ratio))
            return exp(log(a.batch) + t * (log(b.batch) - log(a.batch)))
        }
        return nil
    }

    /// The critical batch the noise scale predicts: the last B_simple of the chosen, finished run
    /// that measured it and reached the lowest training loss. B_simple grows as the loss falls
    /// (McCandlish et al.), so the most trained run's value is the one that speaks for the end of
    /// training; a run knocked far up by a loss spike gives a small, meaningless value. B_simple
    /// over-estimates B_crit. Nil when no run measured it.
    public static func predictedCriticalBatch(_ results: [RunResult]) -> Double? {
        let measured = results.filter { $0.selected && $0.state == .finished && $0.measurements.noiseScale != nil }
        let best = measured.min { ($0.trainLoss ?? .infinity) < ($1.trainLoss ?? .infinity) }
        return best?.measurements.noiseScale
    }

    /// The cell's text for the steps-to-target table: `412`, `412 (398-426)`, `412 (1 of 2 seeds)`,
    /// `not reached`, or empty without runs.
    public static func cellText(_ p: ScalingPoint) -> String {
        guard p.seeds > 0 else { return "" }
        guard let mean = p.meanSteps, let range = p.range else { return "not reached" }
        var text = "\(Int(mean.rounded()))"
        if range.lowerBound != range.upperBound { text += " (\(range.lowerBound)-\(range.upperBound))" }
        if p.reached < p.seeds { text += " (\(p.reached) of \(p.seeds) seeds)" }
        return text
    }

    /// The markdown section: one table per target (rows: batch, columns: optimizers), then the
    /// measured bend and the predicted critical batch.
    public static func markdown(_ results: [RunResult], settings: StudySettings) -> String {
        var out = "\n## Steps to a validation target\n\n"
        out += "First step at which validation accuracy reached the target (mean over seeds, range in brackets); "
        out += "the validation split is evaluated every few steps, so a step count is exact to within that interval.\n"
        for target in settings.targets {
            let points = points(results, settings: settings, target: target)
            out += "\n### \(format(target * 100, 0)) % validation accuracy\n\n"
            out += "| batch |" + settings.optimizers.map { " \($0.rawValue.uppercased()) |" }.joined() + "\n"
            out += "|---:|" + String(repeating: "---:|", count: settings.optimizers.count) + "\n"
            for batch in settings.batches {
                out += "| \(batch) |" + settings.optimizers.map { o in
                    " " + (points.first { $0.optimizer == o && $0.batch == batch }.map(cellText) ?? "") + " |"
                }.joined() + "\n"
            }
            out += "\n" + bendLine(points, settings: settings, predicted: predictedCriticalBatch(results)) + "\n"
        }
        return out
    }

    /// `Measured bend (2x the perfect-scaling steps): SGD ~ 1,400, LARS beyond 4,096; predicted
    /// critical batch (B_simple of the most trained run): 900.`
    static func bendLine(_ points: [ScalingPoint], settings: StudySettings, predicted: Double?) -> String {
        let bends = settings.optimizers.map { o -> String in
            let mine = points.filter { $0.optimizer == o }
            let text = measuredBend(mine).map { "about \(Int($0.rounded()))" } ?? unbentText(mine)
            return "\(o.rawValue.uppercased()) \(text)"
        }
        let prediction = predicted.map { "about \(Int($0.rounded())) images" } ?? "not measured (no run had several micro-batches)"
        return "Measured bend (steps twice the perfect-scaling line through the smallest batch): " + bends.joined(separator: "; ")
            + ". Predicted critical batch (gradient noise scale B_simple of the measured run with the lowest training loss): \(prediction)."
    }

    /// Where the bend lies when the reached batches do not show it: beyond the largest batch that
    /// reached the target, with the larger ones that never did (their steps are unknown, so the
    /// bend may lie below them).
    static func unbentText(_ points: [ScalingPoint]) -> String {
        let reached = points.filter { $0.meanSteps != nil }.map(\.batch)
        guard reached.count >= 2, let largest = reached.max() else { return "not measurable" }
        let unreached = points.filter { $0.meanSteps == nil && $0.batch > largest }.map { String($0.batch) }
        guard !unreached.isEmpty else { return "beyond \(largest)" }
        return "beyond \(largest), the largest batch that reached the target (\(unreached.joined(separator: ", ")) did not)"
    }
}
