/// The defaults of the no-flag run: Fashion-MNIST, the small CNN, LARS at batch 512 (large for
/// this data set: 117 steps per epoch) with one epoch of warm-up and power-2 polynomial decay,
/// horizontal flips, 8 epochs. How they were chosen: docs/lars-train.md, "The default recipe".
///
/// `TrainingConfiguration()`, `lars-train` and `lars-study` (whose rate rules scale these from
/// `batchSize`) all read them here.
public enum RecipeDefaults {
    /// Peak learning rate by optimizer. LARS's global rate is multiplied by per-layer trust
    /// ratios of order eta * ||w|| / ||g||, far below 1, so it is large.
    public static func learningRate(_ optimizer: OptimizerKind) -> Double {
        switch optimizer {
        case .lars: return 3.0
        case .lamb: return 0.01
        case .adamw: return 0.002
        case .sgd: return 0.4
        }
    }

    /// LARS's trust coefficient eta of the default run. Twice the paper's 0.001: with the
    /// built-in models' PyTorch-scale dense layers, LARS's steps (relative to each layer's norm)
    /// at 0.001 left the small CNN under-fitted in 8 epochs; docs/lars-train.md, "The default
    /// recipe", has the runs. `LARS.Options` keeps the paper's value.
    public static let trustCoefficient: Float = 0.002

    /// Weight decay of conv and dense weights by optimizer.
    public static func weightDecay(_ optimizer: OptimizerKind) -> Double {
        switch optimizer {
        case .lamb, .adamw: return 0.01
        case .lars, .sgd: return 5e-4
        }
    }

    /// Random-crop padding by data set: `nil` (the data set's standard: CIFAR's 4) for CIFAR;
    /// none for the 28x28 sets and a caller's data.
    public static func cropPadding(_ dataset: DatasetName) -> Int? {
        dataset.rawValue.hasPrefix("cifar") ? nil : 0
    }

    /// The data set of `lars-train` and `lars-study` runs (a `Trainer` names its data after the
    /// images it is given).
    public static let dataset = DatasetKind.fashionMNIST
    /// Images per optimizer step.
    public static let batchSize = 512
    /// Linear warm-up in epochs.
    public static let warmupEpochs: Double = 1
    /// Epochs of the default run.
    public static let epochs = 8
}
