import Foundation
import LARSTraining

/// How the runner trains one cell: its lars-train process, its progress and its closing.
extension StudyRunner {
    /// The images the runs still to train will train: every epoch of a fresh run, the epochs
    /// past its checkpoint of a resumed one.
    func remainingImages(_ runs: [StudyRun], perEpoch: Int) -> Int {
        runs.reduce(0) { total, run in
            let p = plan(run)
            if p.skip { return total }
            let done = p.resume == nil ? 0 : (RunDirectory(path: command.directory(of: run)).metrics().last?.epoch ?? 0)
            return total + max(0, settings.epochs - done) * perEpoch
        }
    }

    /// A cell finished (or diverged) by its own outcome: a failure record is stale, and one that
    /// stopped before writing its outcome gets it.
    func closeSkipped(_ run: StudyRun) throws {
        let files = RunDirectory(path: command.directory(of: run))
        try? FileManager.default.removeItem(atPath: files.failurePath)
        if files.outcome() == nil {
            let step = files.metrics().last?.step ?? 0
            try RunOutcome(state: .finished, epoch: settings.epochs, step: step, reason: "").write(to: files.outcomePath)
        }
    }

    /// Runs lars-train for `run` (from `resume` when given), echoing its lines, counting its
    /// epochs into `progress`, and records how it ended.
    func train(_ run: StudyRun, resume: String?, perEpoch: Int, progress: inout StudyProgress) throws {
        let directory = command.directory(of: run)
        try makeDirectories(directory)
        let files = RunDirectory(path: directory)
        try? FileManager.default.removeItem(atPath: files.failurePath)
        let startEpoch = resume == nil ? 0 : (files.metrics().last?.epoch ?? 0)
        var epochsSeen = 0
        let exit = try ChildProcess.run(
            command.arguments(for: run, resume: resume), environment: ["LARS_TRAIN_DIE_WITH_PARENT": "1"],
            logPath: files.logPath
        ) { line in
            say(line.isEmpty ? "" : "    " + line)
            if completedEpoch(inLine: line) != nil {
                epochsSeen += 1
                progress.add(images: perEpoch)
                if let eta = progress.line() { say("  " + eta) }
            }
        }
        progress.drop(images: max(0, settings.epochs - startEpoch - epochsSeen) * perEpoch)
        try record(exit, of: run, in: files)
    }
}
