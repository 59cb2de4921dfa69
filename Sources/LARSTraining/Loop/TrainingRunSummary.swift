/// What a call of `Trainer.run()` did: what it resumed, which epochs it trained, whether there
/// was nothing left to train, and which files it wrote.
public struct TrainingRunSummary: Sendable, Equatable {
    /// The metrics of the epochs trained by this call, in order (empty when the run was already
    /// finished).
    public var epochs: [EpochMetrics]
    /// The checkpoint the run continued from (`Trainer.loadCheckpoint(from:)`), `nil` for a
    /// fresh run.
    public var resumedFrom: String?
    /// The epochs complete before this call: the resumed checkpoint's epoch, or 0.
    public var startEpoch: Int
    /// The epochs complete after this call (`TrainingConfiguration.epochs` unless it threw).
    public var completedEpochs: Int
    /// The files of the run directory written or rewritten by this call (rank 0; empty on other
    /// ranks), in `RunFiles.all` order.
    public var filesWritten: [String]
    /// An earlier run's files removed because `Trainer.overwrite` was set, and temporary files
    /// of interrupted writes removed when the directory was taken.
    public var filesRemoved: [String]

    /// Whether the checkpoint the run resumed had already trained every epoch, so this call
    /// trained none.
    public var wasAlreadyFinished: Bool { resumedFrom != nil && epochs.isEmpty && startEpoch == completedEpochs }

    /// The metrics of the last epoch trained by this call.
    public var last: EpochMetrics? { epochs.last }
}
