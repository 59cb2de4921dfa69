import Foundation
import LARSTraining

/// A study as one table in TensorBoard's HParams dashboard (`tensorboard --logdir <study>`):
/// the study's root gets the experiment record (the grid's hyperparameters and the metric
/// columns), and each run directory, once its run has ended, a session record with the run's
/// hyperparameters, status and the metric scalars. lars-train's own event files in the run
/// directories give each row its curves.
///
/// The study's event files end in `suffix`; writing one replaces the study's earlier file in
/// that directory, never lars-train's.
public enum StudyTensorBoard {
    /// The name suffix of the study's own event files.
    public static let suffix = ".lars-study"
    /// Test accuracy after the run's last epoch, in [0, 1].
    public static let finalTestTag = "study/final_test_accuracy"
    /// Best test accuracy of any epoch, in [0, 1].
    public static let bestTestTag = "study/best_test_accuracy"
    /// Validation accuracy after the last epoch, in [0, 1] (what the rate search chooses by).
    public static let validationTag = "study/final_validation_accuracy"

    /// The hyperparameter columns: optimizer, batch size, learning rate, warm-up epochs, seed,
    /// each with the values the grid gives it.
    public static func parameters(_ settings: StudySettings) -> [HParams.Parameter] {
        let runs = settings.runs
        func numbers(_ values: [Double]) -> [HParams.Value] { Set(values).sorted().map { .number($0) } }
        return [
            HParams.Parameter(name: "optimizer", displayName: "optimizer", values: settings.optimizers.map { .string($0.rawValue) }),
            HParams.Parameter(name: "batch_size", displayName: "batch", values: numbers(runs.map { Double($0.batch) })),
            HParams.Parameter(name: "learning_rate", displayName: "rate", values: numbers(runs.map(\.learningRate))),
            HParams.Parameter(name: "warmup_epochs", displayName: "warm-up", values: numbers(runs.map(\.warmupEpochs))),
            HParams.Parameter(name: "seed", displayName: "seed", values: numbers(settings.seeds.map { Double($0) })),
        ]
    }

    /// The metric columns: the study's three accuracies and lars-train's last training loss.
    public static let metrics = [
        HParams.Metric(tag: finalTestTag, displayName: "final test accuracy"),
        HParams.Metric(tag: bestTestTag, displayName: "best test accuracy"),
        HParams.Metric(tag: validationTag, displayName: "final validation accuracy"),
        HParams.Metric(tag: "epoch/train_loss", displayName: "final train loss"),
    ]

    /// `run`'s values of the `parameters` columns.
    public static func values(_ run: StudyRun) -> [(name: String, value: HParams.Value)] {
        [
            ("optimizer", .string(run.optimizer.rawValue)), ("batch_size", .number(Double(run.batch))),
            ("learning_rate", .number(run.learningRate)), ("warmup_epochs", .number(run.warmupEpochs)),
            ("seed", .number(Double(run.seed))),
        ]
    }

    /// Writes the experiment record into the study's root, replacing the study's earlier one.
    public static func writeExperiment(_ settings: StudySettings) throws {
        let record = HParams.experiment(
            name: "lars-study \(settings.dataset) \(settings.model)", parameters: parameters(settings), metrics: metrics,
            created: Date().timeIntervalSince1970)
        try replace(in: settings.output, with: [record], step: 0)
    }

    /// Writes `result`'s session records and metric scalars into its run directory (at the run's
    /// last step), replacing the study's earlier ones; nothing for a run still pending.
    public static func writeSession(_ result: RunResult) throws {
        let status: HParams.Status
        switch result.state {
        case .finished: status = .success
        case .diverged, .failed: status = .failure
        case .pending: return
        }
        let now = Date().timeIntervalSince1970
        var values = [
            HParams.sessionStart(values(result.run), started: startTime(of: result.directory) ?? now),
            HParams.sessionEnd(status, ended: now),
        ]
        let accuracies = [(finalTestTag, result.finalTestAccuracy), (bestTestTag, result.bestTestAccuracy), (validationTag, result.validationAccuracy)]
        for (tag, value) in accuracies {
            if let value { values.append(.scalar(tag, Float(value))) }
        }
        try replace(in: result.directory, with: values, step: result.steps)
    }

    /// Whether `directory` holds a study event file.
    public static func hasStudyFile(in directory: String) -> Bool {
        TensorBoardEventFile.files(in: directory).contains { $0.hasSuffix(suffix) }
    }

    /// Removes the study's event files in `directory` and writes `values` at `step` into a new one.
    static func replace(in directory: String, with values: [SummaryValue], step: Int) throws {
        for path in TensorBoardEventFile.files(in: directory) where path.hasSuffix(suffix) {
            try? FileManager.default.removeItem(atPath: path)
        }
        let file = try TensorBoardEventFile(directory: directory, suffix: suffix)
        file.append(values, step: step)
        try file.flush()
    }

    /// When the run in `directory` started: the time in the name of its first lars-train event file.
    static func startTime(of directory: String) -> Double? {
        let first = TensorBoardEventFile.files(in: directory).first { !$0.hasSuffix(suffix) }
        let name = first.map { URL(fileURLWithPath: $0).lastPathComponent.dropFirst(TensorBoardEventFile.namePrefix.count) }
        return name.flatMap { $0.split(separator: ".").first }.flatMap { Double($0) }
    }
}
