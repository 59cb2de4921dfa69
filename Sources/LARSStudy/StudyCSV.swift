import LARSTraining

/// Writes `study.csv`: one row per run (search runs included), accuracies in percent.
public enum StudyCSV {
    /// The columns, in order. `selected` marks each cell's chosen run.
    public static let columns = [
        "optimizer", "batch", "learning_rate", "warmup_epochs", "seed", "epochs", "steps",
        "final_test_accuracy", "best_test_accuracy", "validation_accuracy", "train_loss", "wall_seconds",
        "images_per_second", "state", "diverged_epoch", "directory", "selected",
    ]

    /// The columns after `columns`: the step that stopped a diverged run, the largest step loss
    /// and its step, the last noise scale, then one `steps_to_<target>` per target.
    public static func measurementColumns(targets: [Double]) -> [String] {
        ["diverged_step", "peak_step_loss", "peak_step", "noise_scale"] + targets.map { "steps_to_" + shortNumber($0) }
    }

    /// The file's text for `results` (header line first, one line per run, newline-terminated).
    /// `steps` counts completed epochs' steps; a diverged run's last step is `diverged_step`;
    /// an unknown throughput is empty, not 0.
    public static func render(_ results: [RunResult], targets: [Double] = TargetReached.defaultTargets) -> String {
        var lines = [(columns + measurementColumns(targets: targets)).joined(separator: ",")]
        for r in results {
            let percent: (Double?) -> String = { $0.map { format($0 * 100, 2) } ?? "" }
            let m = r.measurements
            let base: [String] = [
                r.run.optimizer.rawValue, "\(r.run.batch)", shortNumber(r.run.learningRate),
                shortNumber(r.run.warmupEpochs), "\(r.run.seed)", "\(r.epochs)", "\(r.steps)",
                percent(r.finalTestAccuracy), percent(r.bestTestAccuracy), percent(r.validationAccuracy),
                r.trainLoss.map { format($0, 4) } ?? "", r.wallSeconds > 0 ? format(r.wallSeconds, 1) : "",
                r.imagesPerSecond > 0 ? format(r.imagesPerSecond, 0) : "",
                r.state.rawValue, r.divergedEpoch.map(String.init) ?? "", csvField(r.directory), r.selected ? "true" : "false",
            ]
            let measured: [String] = [
                r.divergedStep.map(String.init) ?? "", m.peakStepLoss.map { format($0.loss, 4) } ?? "",
                m.peakStepLoss.map { "\($0.step)" } ?? "", m.noiseScale.map { format($0, 1) } ?? "",
            ]
            let reached: [String] = targets.map { m.steps(to: $0).map(String.init) ?? "" }
            lines.append((base + measured + reached).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Quotes a field that holds a comma, quote or newline (RFC 4180).
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
