import Foundation

/// How a training run ended, written by rank 0 as `outcome.json` in the output directory when
/// the run stops: finished, or diverged at an epoch and step with the reason. Programs that run
/// many trainings (`lars-study`) read it instead of parsing output.
public struct RunOutcome: Codable, Sendable, Equatable {
    /// How a run ended.
    public enum State: String, Codable, Sendable {
        /// Every epoch was trained.
        case finished
        /// The loss or a gradient stopped being finite, or the loss exploded.
        case diverged
    }

    /// How the run ended.
    public var state: State
    /// The epoch (1-based) the run ended in: the last completed one when finished, the one in
    /// progress when it diverged.
    public var epoch: Int
    /// The optimizer step the run ended at (1-based for the step that diverged).
    public var step: Int
    /// Why it diverged; empty when finished (or why it stopped early, under `stopAtTarget`).
    public var reason: String
    /// Wall-clock seconds of `Trainer.run` (training and evaluation), or `nil` when not recorded
    /// (outcomes written before the field existed).
    public var wallSeconds: Double?

    /// An outcome.
    public init(state: State, epoch: Int, step: Int, reason: String) {
        self.state = state
        self.epoch = epoch
        self.step = step
        self.reason = reason
    }

    /// Writes the outcome as JSON, atomically.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: path)
    }

    /// Reads an outcome written by `write(to:)`.
    public static func read(from path: String) throws -> RunOutcome {
        let text = try readTextFile(path)
        do {
            return try JSONDecoder().decode(RunOutcome.self, from: Data(text.utf8))
        } catch {
            throw TrainingError.invalidFile(path: path, problem: "not a run outcome: \(error)")
        }
    }
}
