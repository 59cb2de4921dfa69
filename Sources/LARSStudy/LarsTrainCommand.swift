import Foundation
import LARSTraining

/// Builds the lars-train command line of a study run and finds the lars-train executable.
public struct LarsTrainCommand: Sendable {
    /// Path of the lars-train executable.
    public var executable: String
    /// The study's settings.
    public var settings: StudySettings

    /// A command builder for `settings` running `executable`.
    public init(executable: String, settings: StudySettings) {
        self.executable = executable
        self.settings = settings
    }

    /// The run directory of `run`: `<output>/cells/<name>`.
    public func directory(of run: StudyRun) -> String {
        settings.output + "/cells/" + run.directoryName
    }

    /// The full command of `run`: the launcher's words, lars-train and its flags, the extra flags
    /// (last, so that they can override ours), and `--resume` with `resume`'s checkpoint if given (`--overwrite` otherwise).
    public func arguments(for run: StudyRun, resume: String? = nil) -> [String] {
        let s = settings
        var a = s.launcher + [executable]
        a += ["--opt", run.optimizer.rawValue, "--lr", shortNumber(run.learningRate)]
        a += ["--warmup-epochs", shortNumber(run.warmupEpochs), "--batch-size", "\(run.batch)"]
        a += ["--epochs", "\(s.epochs)", "--seed", "\(run.seed)"]
        a += ["--dataset", s.dataset, "--model", s.model, "--validation", "\(s.validation)"]
        if let d = s.dataDirectory { a += ["--data-dir", d] }
        if let n = s.trainLimit { a += ["--train-limit", "\(n)"] }
        if let n = s.testLimit { a += ["--test-limit", "\(n)"] }
        if let n = s.threads { a += ["--threads", "\(n)"] }
        if let engine = s.convolutionEngine { a += ["--conv-engine", engine.rawValue] }
        if let wd = StudyRecipes.weightDecay(run.optimizer) { a += ["--weight-decay", shortNumber(wd)] }
        if StudyRecipes.nesterov(run.optimizer) { a.append("--nesterov") }
        a += ["--targets", s.targets.map(shortNumber).joined(separator: ",")] + DivergencePolicy.arguments
        a += ["--output", directory(of: run)]
        if !s.tensorBoard { a.append("--no-tensorboard") }
        a += s.extraArguments
        // A cell directory belongs to the study: without a checkpoint to resume, whatever an
        // interrupted attempt left there is replaced.
        a += resume.map { ["--resume", $0] } ?? ["--overwrite"]
        return a
    }

    /// lars-train next to the running executable (`/proc/self/exe`'s directory), or throws.
    public static func locateNextToSelf() throws -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidate = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("lars-train").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw StudyError.cannotRun(
                "lars-train was not found next to lars-study (\(candidate)); build it (`swift build -c release --product lars-train`) or name it with --lars-train PATH")
        }
        return candidate
    }
}

/// Splits a flag string such as `--smoothing 0.1 --no-hflip` on spaces (no quoting).
public func splitWords(_ text: String) -> [String] {
    text.split(separator: " ").map(String.init)
}
