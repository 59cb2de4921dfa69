import LARSTraining

/// Writes `study.csv`: one row per run (search runs included), accuracies in percent.
public enum StudyCSV {
    /// The columns, in order. `selected` marks each cell's chosen run.
    public static let columns = [
        "optimizer", "batch", "learning_rate", "warmup_epochs", "seed", "epochs", "steps",
        "final_test_accuracy", "best_test_accuracy", "validation_accuracy", "train_loss", "wall_seconds",
        "images_per_second", "state", "diverged_epoch", "directory", "selected",
    ]

    /// The file's text for `results` (header line first, one line per run, newline-terminated).
    public static func render(_ results: [RunResult]) -> String {
        var lines = [columns.joined(separator: ",")]
        for r in results {
            let percent: (Double?) -> String = { $0.map { format($0 * 100, 2) } ?? "" }
            lines.append([
                r.run.optimizer.rawValue, "\(r.run.batch)", shortNumber(r.run.learningRate),
                shortNumber(r.run.warmupEpochs), "\(r.run.seed)", "\(r.epochs)", "\(r.steps)",
                percent(r.finalTestAccuracy), percent(r.bestTestAccuracy), percent(r.validationAccuracy),
                r.trainLoss.map { format($0, 4) } ?? "", format(r.wallSeconds, 1), format(r.imagesPerSecond, 0),
                r.state.rawValue, r.divergedEpoch.map(String.init) ?? "", csvField(r.directory), r.selected ? "true" : "false",
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Quotes a field that holds a comma, quote or newline (RFC 4180).
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
