import Foundation
import LARSTraining

/// Writes `study.md`: a table shaped like the LARS paper's Tables 1 and 3, one row per batch,
/// one column per optimizer, the test accuracy of each cell's chosen run.
public enum StudyMarkdown {
    /// The file's text. Only `selected` runs enter the table; seeds of a cell are averaged.
    public static func render(_ results: [RunResult], header: StudyHeader) -> String {
        let s = header.settings
        var out = "# lars-study: \(s.optimizers.map { $0.rawValue.uppercased() }.joined(separator: " vs "))\n\n"
        for (key, value) in header.lines { out += "- \(key): \(value)\n" }
        out += "\n| batch | steps |" + s.optimizers.map { " \($0.rawValue.uppercased()) |" }.joined() + "\n"
        out += "|---:|---:|" + String(repeating: "---|", count: s.optimizers.count) + "\n"
        let chosen = results.filter(\.selected)
        for batch in s.batches {
            let row = chosen.filter { $0.run.batch == batch }
            let steps = row.first(where: { $0.state == .finished })?.steps ?? row.map(\.steps).max() ?? 0
            out += "| \(batch) | \(steps == 0 ? "" : "\(steps)") |"
            for optimizer in s.optimizers {
                out += " \(cellText(row.filter { $0.run.optimizer == optimizer })) |"
            }
            out += "\n"
        }
        out += s.searchCount > 1
            ? "\nTest accuracy of each cell's run (the rate search's choice by validation accuracy); "
            : "\nTest accuracy of each cell's run at its setting (the table below gives it and where it came from); "
        out += "steps: optimizer steps of the whole run. Every run: `cells/<optimizer>-b<batch>-lr<rate>-s<seed>/` "
        out += "(`-lr<rate>-w<warm-up>-s<seed>` for a cell set by --recipes).\n"
        out += settingsTable(chosen, settings: s)
        out += StudyScaling.markdown(results, settings: s)
        out += peakLossNote(results)
        return out
    }

    /// Which rate and warm-up each cell ran and where they came from (the rule, `--rates`, the
    /// search's recipes), from its chosen runs.
    static func settingsTable(_ chosen: [RunResult], settings s: StudySettings) -> String {
        var out = "\nThe setting of each cell and where it came from:\n\n| batch | optimizer | rate | warm-up (epochs) | from |\n"
        out += "|---:|---|---|---:|---|\n"
        for batch in s.batches {
            for optimizer in s.optimizers {
                let runs = chosen.filter { $0.run.batch == batch && $0.run.optimizer == optimizer }.map(\.run)
                let source = runs.first?.source ?? s.setting(optimizer, batch: batch).source
                let rates = runs.map(\.learningRate).uniqued().sorted().map(shortNumber).joined(separator: "/")
                let warmups = runs.map(\.warmupEpochs).uniqued().sorted().map(shortNumber).joined(separator: "/")
                out += "| \(batch) | \(optimizer.rawValue) | \(rates) | \(warmups) | \(source.summary) |\n"
            }
        }
        return out
    }

    /// One line per chosen run whose step loss rose above 4 x ln(classes) at some step: what the
    /// old divergence cut would have stopped, and how the run ended.
    static func peakLossNote(_ results: [RunResult]) -> String {
        let spiking = results.filter { r in
            guard r.selected, let peak = r.measurements.peakStepLoss else { return false }
            return !peak.loss.isFinite || peak.loss > 4 * log(10.0)
        }
        guard !spiking.isEmpty else { return "" }
        var out = "\nRuns whose step loss passed 4 x ln(10) (the old divergence cut) at some step:\n\n"
        for r in spiking {
            let peak = r.measurements.peakStepLoss!
            let ending = r.state == .finished ? "finished at " + (r.finalTestAccuracy.map { format($0 * 100, 2) + " %" } ?? "?") : r.state.rawValue
            out += "- \(r.run.optimizer.rawValue) b\(r.run.batch) seed \(r.run.seed): loss \(format(peak.loss, 2)) at step \(peak.step); \(ending)\n"
        }
        return out
    }

    /// The text of one table cell from its seeds' chosen runs: `91.2 % (lr 2.1)`,
    /// `91.2 ± 0.3 % (lr 2.1, 3 seeds)`, `diverged (epoch 2)`, `failed (exit code 1)` or `pending`.
    public static func cellText(_ runs: [RunResult]) -> String {
        guard !runs.isEmpty else { return "" }
        let finished = runs.filter { $0.state == .finished }
        let rates = Array(Set(finished.map(\.run.learningRate))).sorted().map(shortNumber).joined(separator: "/")
        var notes: [String] = []
        let diverged = runs.filter { $0.state == .diverged }
        if finished.isEmpty {
            if let d = diverged.first {
                return d.divergedEpoch.map { "diverged (epoch \($0))" } ?? "diverged"
            }
            if let f = runs.first(where: { $0.state == .failed }) { return "failed (\(f.reason))" }
            return "pending"
        }
        let values = finished.compactMap(\.finalTestAccuracy).map { $0 * 100 }
        let mean = values.reduce(0, +) / Double(max(values.count, 1))
        var text = format(mean, 1)
        if values.count > 1 {
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            text += " ± " + format(variance.squareRoot(), 1)
        }
        notes.append("lr \(rates)")
        if runs.count > 1 { notes.append("\(finished.count) seeds") }
        if !diverged.isEmpty { notes.append("\(diverged.count) diverged") }
        let others = runs.count - finished.count - diverged.count
        if others > 0 { notes.append("\(others) not finished") }
        return text + " % (" + notes.joined(separator: ", ") + ")"
    }
}
