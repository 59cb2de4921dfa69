import Foundation
import LARSTraining

/// Runs a study: every run of the grid as its own lars-train child process, skipping finished
/// runs, resuming interrupted ones from their checkpoints, recording divergence and failures,
/// and rewriting the reports after every run.
public struct StudyRunner {
    /// The study's settings.
    public let settings: StudySettings
    /// Builds each run's command.
    public let command: LarsTrainCommand
    /// Where progress lines go (the terminal, flushed, by default).
    public var say: (String) -> Void = { print($0); fflush(nil) }

    /// A runner of `settings` with lars-train at `larsTrain`.
    public init(settings: StudySettings, larsTrain: String) {
        self.settings = settings
        self.command = LarsTrainCommand(executable: larsTrain, settings: settings)
    }

    /// The lines `--dry-run` prints: every run and its command, and whether it would be skipped
    /// or resumed; a search lists its trials and how many reruns follow.
    public func dryRunLines() throws -> [String] {
        try settings.validate()
        let runs = settings.runs
        let label = settings.mode == .search ? "trial" : "cell"
        var lines = runs.enumerated().flatMap { i, run -> [String] in
            let state = plan(run)
            return ["\(label) \(i + 1)/\(runs.count): \(describe(run))\(state.note)",
                    "  " + command.arguments(for: run, resume: state.resume).joined(separator: " ")]
        }
        if settings.mode == .search {
            lines.append("then, where a choice lies on the lowest or highest rate, the next rate past it (at most \(settings.searchWidenings) per side)")
            lines.append("then each cell's choice again at seeds \(settings.seeds.dropFirst().map(String.init).joined(separator: ", ")); \(settings.searchBudget.line)")
        }
        return lines
    }

    /// What to do with a run: skip it (done), resume it from a checkpoint, or start it.
    func plan(_ run: StudyRun) -> (skip: Bool, resume: String?, note: String) {
        let files = RunDirectory(path: command.directory(of: run))
        if let outcome = files.outcome() {
            return (true, nil, ": skipped (\(outcome.state.rawValue))")
        }
        // Stopped after its last checkpoint but before its outcome.json: lars-train would refuse
        // to resume a run with nothing left to train; `execute` writes the outcome its files show.
        if files.hasCheckpoint, unfinishedMetrics(files) == nil {
            return (true, nil, ": skipped (finished by its metrics; outcome.json was missing)")
        }
        if files.hasCheckpoint { return (false, files.checkpointPath, ": resuming from its checkpoint") }
        return (false, nil, "")
    }

    /// `lars b2048 lr 6 seed 1` (with a searched warm-up, and the factor when searching rates).
    func describe(_ run: StudyRun) -> String {
        var text = "\(run.optimizer.rawValue) b\(run.batch) lr \(shortNumber(run.learningRate))"
        if run.source.namesWarmup { text += " warm-up \(shortNumber(run.warmupEpochs))" }
        text += " seed \(run.seed)"
        if settings.searchCount > 1 { text += " (x\(shortNumber(run.rateFactor)) of the rule)" }
        return text
    }

    /// Every run's current result, read from disk, with each cell's chosen run marked; a
    /// search's are its trials and the reruns of the choices made so far.
    public func results() -> [RunResult] {
        switch settings.mode {
        case .study: return RateSelection.markSelected(read(settings.runs))
        case .search:
            let trials = read(SearchWidening.trials(settings, read: read))
            let reruns = settings.reruns(of: SearchSelection.choices(trials, settings: settings))
            return RateSelection.markSelected(trials + read(reruns))
        }
    }

    /// The results of `runs` as their directories show them (nothing marked selected).
    func read(_ runs: [StudyRun]) -> [RunResult] {
        let threshold = DatasetFacts(name: settings.dataset)?.collapseThreshold ?? 0
        return runs.map {
            RunResult.read(run: $0, epochs: settings.epochs, directory: command.directory(of: $0), collapseThreshold: threshold)
        }
    }

    /// Runs the study (or the search) to the end and returns the final results. Throws only for
    /// problems with the study itself (settings, lars-train missing, reports unwritable); a run
    /// that crashes or diverges is recorded and the study goes on.
    @discardableResult
    public func run() throws -> [RunResult] {
        try settings.validate()
        try makeDirectories(settings.output + "/cells")
        // Held until the study ends: a second study into the same directory refuses to start.
        let lock = try OutputDirectoryLock.lock(settings.output, fileName: Self.lockFileName, holder: "another study")
        defer { close(lock) }
        if settings.tensorBoard { try writeTensorBoardRecords() }
        let header = StudyHeader(settings: settings, machine: machineLine())
        let write = { (results: [RunResult]) throws in
            switch settings.mode {
            case .study: try StudyOutputs.write(results, header: header)
            case .search: try SearchOutputs.write(results, header: header)
            }
        }
        if settings.mode == .search {
            // The trials first; the reruns follow from their choices.
            let reruns = settings.searchBudget.reruns * settings.optimizers.count
            try execute(settings.searchTrials, label: "trial", laterRuns: reruns) { try write(results()) }
            try widen(laterRuns: reruns) { try write(results()) }
            let choices = SearchSelection.choices(results(), settings: settings)
            try execute(settings.reruns(of: choices), label: "rerun", laterRuns: 0) { try write(results()) }
        } else {
            try execute(settings.runs, label: "cell", laterRuns: 0) { try write(results()) }
        }
        let final = results()
        try write(final)
        say(settings.mode == .search
            ? "search: \(settings.output)/search.md, search.csv, recipes.json"
            : "study: \(settings.output)/study.md, study.csv, study.html, accuracy_vs_batch.svg, steps_vs_batch.svg")
        return final
    }

    /// Runs the trials that widen the grid past edge choices (`SearchWidening`), pass by pass,
    /// until no cell's choice calls for more.
    func widen(laterRuns: Int, written: () throws -> Void) throws {
        let grid = Set(settings.searchTrials)
        var tried = Set<StudyRun>()
        while true {
            let wider = SearchWidening.trials(settings, read: read).filter { !grid.contains($0) }
            // A trial still pending after its turn (its process left nothing) is not run again here.
            let todo = read(wider).filter { $0.state == .pending && !tried.contains($0.run) }.map(\.run)
            if todo.isEmpty { return }
            tried.formUnion(todo)
            say("widening: \(todo.count) trial\(todo.count == 1 ? "" : "s") past the edge choices")
            try execute(todo, label: "widening trial", laterRuns: laterRuns, written: written)
        }
    }

    /// Runs `runs` in order, each as its own lars-train process: skips finished ones, resumes
    /// interrupted ones, records how each ended and calls `written` after each. `laterRuns`
    /// more runs of the study's epochs are counted in the time estimate.
    func execute(_ runs: [StudyRun], label: String, laterRuns: Int, written: () throws -> Void) throws {
        let perEpoch = DatasetFacts(name: settings.dataset)!.imagesPerEpoch(validation: settings.validation, limit: settings.trainLimit)
        var progress = StudyProgress(remainingImages: remainingImages(runs, perEpoch: perEpoch) + laterRuns * settings.epochs * perEpoch)
        for (i, run) in runs.enumerated() {
            let p = plan(run)
            say("\(label) \(i + 1)/\(runs.count): \(describe(run))\(p.skip ? p.note : p.resume != nil ? ": resuming from its checkpoint" : " ...")")
            if p.skip {
                try closeSkipped(run)
                continue
            }
            try train(run, resume: p.resume, perEpoch: perEpoch, progress: &progress)
            if let r = read([run]).first {
                say("  -> " + summary(r))
                if settings.tensorBoard { try StudyTensorBoard.writeSession(r) }
            }
            try written()
        }
    }

    /// The HParams records of a study starting: the experiment into its root, and the session
    /// records of the runs already ended that lack them (a study written before them).
    func writeTensorBoardRecords() throws {
        try StudyTensorBoard.writeExperiment(settings)
        for result in results() where result.state != .pending && !StudyTensorBoard.hasStudyFile(in: result.directory) {
            try StudyTensorBoard.writeSession(result)
        }
    }

    /// The lock file's name in the study directory.
    public static let lockFileName = ".lars-study.lock"

    /// Leaves the run's ending on disk. A run counts as finished only by its own `outcome.json`
    /// and a `metrics.csv` reaching the last epoch with a test accuracy: a clean exit alone
    /// (a launcher that only printed, a stand-in executable) proves nothing. A divergence
    /// without `outcome.json` is reconstructed from lars-train's message; any other ending gets
    /// the study's `failure.json`, and an `outcome.json` its metrics do not back is removed, so
    /// that a rerun runs the cell again.
    func record(_ exit: ChildExit, of run: StudyRun, in files: RunDirectory) throws {
        if exit.code == 3, files.outcome()?.state == .diverged { return }
        if exit.code == 3, let outcome = parseDivergence(exit.lastLines) {
            try outcome.write(to: files.outcomePath)
            return
        }
        var reason: String?
        if exit.code == 0 {
            reason = unfinished(files)
            guard reason != nil else { return }
            try? FileManager.default.removeItem(atPath: files.outcomePath)
        }
        let data = try JSONEncoder().encode(RunFailure(exitCode: exit.code, lastLines: exit.lastLines, reason: reason))
        try AtomicFile.write(Array(data), to: files.failurePath)
        say("  lars-train ended with exit code \(exit.code); its last lines:")
        for line in exit.lastLines.suffix(8) { say("    | " + line) }
    }

    /// Why a run that exited 0 does not count as finished, or `nil` when its files show it did.
    func unfinished(_ files: RunDirectory) -> String? {
        guard let outcome = files.outcome() else { return "it exited 0 without writing outcome.json" }
        guard outcome.state == .finished else { return "it exited 0 but its outcome.json says \(outcome.state.rawValue)" }
        return unfinishedMetrics(files).map { "it exited 0 but its " + $0 }
    }

    /// Why a run's `metrics.csv` does not show it finished, or `nil` when it reaches the last
    /// epoch with a test accuracy.
    func unfinishedMetrics(_ files: RunDirectory) -> String? {
        guard let last = files.metrics().last, last.epoch == settings.epochs, last.testAccuracy != nil else {
            return "metrics.csv does not reach epoch \(settings.epochs) with a test accuracy"
        }
        return nil
    }

    /// One line on how a run ended.
    func summary(_ r: RunResult) -> String {
        switch r.state {
        case .finished:
            let test = r.finalTestAccuracy.map { format($0 * 100, 2) + " %" } ?? "?"
            let validation = r.validationAccuracy.map { ", validation " + format($0 * 100, 2) + " %" } ?? ""
            return "finished: test \(test)\(validation)"
        case .diverged: return "diverged in epoch \(r.divergedEpoch.map(String.init) ?? "?")" + (r.reason.isEmpty ? "" : ": \(r.reason)")
        case .failed: return "failed (\(r.reason)); the study goes on"
        case .pending: return "not finished"
        }
    }

    /// The BLAS line of `lars-train --blas-info` and the core count, for the reports' headers.
    func machineLine() -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let exit = try? ChildProcess.run([command.executable, "--blas-info"], environment: [:], logPath: nil) { _ in }
        let blas = exit?.lastLines.first(where: { $0.hasPrefix("BLAS") }) ?? "BLAS unknown"
        return "\(blas); \(cores) cores"
    }
}
