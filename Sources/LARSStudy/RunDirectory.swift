import Foundation
import LARSTraining

/// One row of a run's `metrics.csv`, with the columns a study uses.
public struct MetricsRow: Sendable, Equatable {
    /// 1-based epoch.
    public var epoch: Int
    /// Optimizer steps at the end of the epoch.
    public var step: Int
    /// Mean training loss over the epoch.
    public var trainLoss: Double
    /// Test accuracy in [0, 1], or nil when not evaluated.
    public var testAccuracy: Double?
    /// Validation accuracy in [0, 1], or nil when not evaluated or not logged.
    public var validationAccuracy: Double?
    /// Training seconds of the epoch.
    public var seconds: Double
    /// Training images per second in the epoch.
    public var imagesPerSecond: Double
}

/// One row of a run's `trust_ratios.csv`: one adapted parameter at one step.
public struct TrustRow: Sendable, Equatable {
    /// Optimizer step (1-based as lars-train logs it).
    public var step: Int
    /// Parameter name, such as `conv1.weight`.
    public var parameter: String
    /// ||w||.
    public var weightNorm: Double
    /// ||g||.
    public var gradientNorm: Double
    /// LARS's trust ratio.
    public var trustRatio: Double
}

/// Reads the files of one lars-train run directory; missing files read as empty.
public struct RunDirectory: Sendable {
    /// The directory.
    public let path: String

    /// A run directory at `path`.
    public init(path: String) { self.path = path }

    /// The files lars-train writes there (LARSTraining's names for them).
    public var runFiles: RunFiles { RunFiles(directory: path) }
    /// `outcome.json`: present once lars-train ended on its own (finished or diverged).
    public var outcomePath: String { runFiles.outcome }
    /// The checkpoint lars-train writes after every epoch.
    public var checkpointPath: String { runFiles.checkpoint }
    /// Everything the study saw the run print, appended over restarts (the study's own file).
    public var logPath: String { path + "/lars-train.log" }
    /// Written by the study when lars-train failed (neither finished nor diverged).
    public var failurePath: String { path + "/failure.json" }

    /// lars-train's `outcome.json` (LARSTraining's `RunOutcome`), or nil when absent or unreadable.
    public func outcome() -> RunOutcome? {
        guard FileManager.default.fileExists(atPath: outcomePath) else { return nil }
        return try? RunOutcome.read(from: outcomePath)
    }

    /// The study's failure record, or nil.
    public func failure() -> RunFailure? {
        guard let data = FileManager.default.contents(atPath: failurePath) else { return nil }
        return try? JSONDecoder().decode(RunFailure.self, from: data)
    }

    /// Whether a checkpoint exists to resume from.
    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: checkpointPath) }

    /// The rows of `metrics.csv` (empty when there is none yet).
    public func metrics() -> [MetricsRow] {
        let table = readTable(runFiles.metrics)
        return table.rows.compactMap { row in
            guard let epoch = table.int(row, "epoch"), let step = table.int(row, "step") else { return nil }
            return MetricsRow(
                epoch: epoch, step: step, trainLoss: table.double(row, "train_loss") ?? .nan,
                testAccuracy: table.double(row, "test_accuracy"),
                validationAccuracy: table.double(row, "validation_accuracy"),
                seconds: table.double(row, "epoch_seconds") ?? 0,
                imagesPerSecond: table.double(row, "images_per_second") ?? 0)
        }
    }

    /// The rows of `trust_ratios.csv` (empty for optimizers without trust ratios).
    public func trustRatios() -> [TrustRow] {
        let table = readTable(runFiles.trustRatios)
        return table.rows.compactMap { row in
            guard let step = table.int(row, "step"), let p = table.string(row, "parameter") else { return nil }
            return TrustRow(
                step: step, parameter: p, weightNorm: table.double(row, "weight_norm") ?? .nan,
                gradientNorm: table.double(row, "grad_norm") ?? .nan,
                trustRatio: table.double(row, "trust_ratio") ?? .nan)
        }
    }
}

/// The study's record of a run that ended neither finished nor diverged.
public struct RunFailure: Codable, Sendable, Equatable {
    /// lars-train's exit code (or 128 + signal).
    public var exitCode: Int32
    /// The last lines the run printed.
    public var lastLines: [String]
    /// Why a run that exited 0 is not counted finished (no outcome, metrics short of the last
    /// epoch); `nil` for a run that failed by its exit code.
    public var reason: String?
}

/// A CSV file as written by lars-train (no quoting), by column name.
struct Table {
    var header: [String] = []
    var rows: [[String]] = []

    func index(_ name: String) -> Int? { header.firstIndex(of: name) }
    func string(_ row: [String], _ name: String) -> String? { index(name).map { row[$0] } }
    func double(_ row: [String], _ name: String) -> Double? { string(row, name).flatMap { Double($0) } }
    func int(_ row: [String], _ name: String) -> Int? { string(row, name).flatMap { Int($0) } }
}

/// Reads the CSV at `path`; an absent file is an empty table; short rows (a write cut off) are dropped.
func readTable(_ path: String) -> Table {
    guard let data = FileManager.default.contents(atPath: path) else { return Table() }
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
    guard let first = lines.first else { return Table() }
    let header = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        .filter { $0.count == header.count }
    return Table(header: header, rows: rows)
}

/// The outcome in lars-train's message `lars-train: diverged at epoch E, step S: REASON`, or nil.
func parseDivergence(_ lines: [String]) -> RunOutcome? {
    for line in lines.reversed() {
        guard let range = line.range(of: "diverged at epoch ") else { continue }
        let rest = line[range.upperBound...]
        let parts = rest.split(separator: ":", maxSplits: 1)
        guard let head = parts.first else { continue }
        let numbers = head.split(separator: ",").map { $0.filter(\.isNumber) }
        guard let epoch = numbers.first.flatMap({ Int($0) }) else { continue }
        let step = numbers.count > 1 ? Int(numbers[1]) ?? 0 : 0
        let reason = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        return RunOutcome(state: .diverged, epoch: epoch, step: step, reason: reason)
    }
    return nil
}
