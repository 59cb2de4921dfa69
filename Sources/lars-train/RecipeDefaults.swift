import SwiftLARS

#if canImport(Glibc)
import Glibc
#endif

/// The defaults of the no-flag run: Fashion-MNIST, the small CNN, LARS at batch 512 (large for
/// this data set: 117 steps per epoch) with one epoch of warm-up and power-2 polynomial decay,
/// horizontal flips, 8 epochs. How they were chosen: docs/lars-train.md, "The default recipe".
enum RecipeDefaults {
    /// Peak learning rate by optimizer. LARS's global rate is multiplied by per-layer trust
    /// ratios of order eta * ||w|| / ||g||, far below 1, so it is large.
    static func learningRate(optimizer: String) -> Float {
        switch optimizer {
        case "lars": return 3.0
        case "lamb": return 0.01
        case "adamw": return 0.002
        default: return 0.4
        }
    }

    /// Weight decay of conv and dense weights by optimizer.
    static func weightDecay(optimizer: String) -> Float {
        switch optimizer {
        case "lamb", "adamw": return 0.01
        default: return 5e-4
        }
    }

    /// Random-crop padding by data set: CIFAR's standard 4; none for the 28x28 sets.
    static func cropPadding(dataset: String) -> Int? {
        dataset.hasPrefix("cifar") ? nil : 0
    }

    /// Images per optimizer step.
    static let batchSize = 512
    /// Linear warm-up in epochs.
    static let warmupEpochs: Double = 1
    /// Epochs of the default run.
    static let epochs = 8
}

/// The cores this process may run on.
func availableCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
