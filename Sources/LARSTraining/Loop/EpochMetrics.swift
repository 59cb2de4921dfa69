/// The result of one epoch, as logged in `metrics.csv`.
public struct EpochMetrics: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Optimizer steps completed at the end of the epoch.
    public var step: Int
    /// Mean training loss over the epoch's images (as seen during training, with augmentation).
    public var trainLoss: Double
    /// Training top-1 accuracy over the epoch's images.
    public var trainAccuracy: Double
    /// Test loss, or `nil` when the epoch was not evaluated.
    public var testLoss: Double?
    /// Test top-1 accuracy, or `nil` when the epoch was not evaluated.
    public var testAccuracy: Double?
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// Wall time of the epoch's training (not evaluation), seconds.
    public var seconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double
    /// Loss on the validation split, or `nil` without a split or evaluation this epoch.
    public var validationLoss: Double? = nil
    /// Top-1 accuracy on the validation split, or `nil` without a split or evaluation.
    public var validationAccuracy: Double? = nil
    /// Wall-clock seconds of the epoch by phase (`Trainer.trainEpoch()`'s own clock reads; not
    /// written to `metrics.csv`).
    public var phases = EpochPhaseTimes()
    /// The simple gradient noise scale B_simple (images) at the epoch's end, averaged over the
    /// latest steps (`GradientNoiseScale`), or `nil` when the run does not measure it.
    public var noiseScale: Double? = nil
}
