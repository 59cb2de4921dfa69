import Foundation
import LARSTraining

/// The learning-rate rules and default grids of `lars-study`, in one place so that they are easy
/// to read and to tune. Every number here is provisional: the constants name where they come from,
/// and changing one changes every study that does not override it (`--rates`).
public enum StudyRecipes {
    // MARK: SGD (momentum 0.9): the linear scaling rule

    /// SGD's rate at the reference batch: Goyal et al. 2017 (arXiv 1706.02677), "Accurate, Large
    /// Minibatch SGD", scale 0.1 at batch 256 linearly with the batch size.
    public static let sgdRateAtReference = 0.1
    /// The reference batch of the linear scaling rule (Goyal et al.: 256).
    public static let sgdReferenceBatch = 256.0

    // MARK: LARS: a larger global rate per batch, with warm-up

    /// LARS's global rate at the reference batch: lars-train's tuned default
    /// (`RecipeDefaults.learningRate(.lars)` at `RecipeDefaults.batchSize`). You et al. 2017 grow
    /// the global rate with the batch and warm it up; in six-epoch runs at batch 8,192 the cube
    /// root of the batch held up best (docs/study.md, "The recipe search").
    public static let larsRateAtReference = RecipeDefaults.learningRate(.lars)
    /// The exponent of LARS's rule, rate ~ batch^exponent (1/3: 7.6 at 8,192, 1.9 at 128).
    public static let larsRateExponent = 1.0 / 3.0
    /// LARS's reference batch.
    public static let larsReferenceBatch = Double(RecipeDefaults.batchSize)

    // MARK: LAMB and AdamW: square-root scaling around lars-train's defaults

    /// LAMB's rate at lars-train's default batch (lars-train's default rate), scaled with sqrt(B / 512) as You et al.
    /// 2019 (arXiv 1904.00962) do for LAMB.
    public static let lambRateAtReference = RecipeDefaults.learningRate(.lamb)
    /// AdamW's rate at lars-train's default batch (lars-train's default rate), scaled with sqrt(B / 512) (the square-root
    /// rule keeps the variance of an adaptive step constant; Krizhevsky 2014, Hoffer et al. 2017).
    public static let adamwRateAtReference = RecipeDefaults.learningRate(.adamw)
    /// The reference batch of the square-root rules of LAMB and AdamW.
    public static let adaptiveReferenceBatch = Double(RecipeDefaults.batchSize)

    // MARK: Warm-up, shared by every optimizer

    /// Linear warm-up in epochs up to and including `longWarmupAbove` images per batch.
    public static let shortWarmupEpochs = RecipeDefaults.warmupEpochs
    /// Linear warm-up in epochs for batches above `longWarmupAbove` (few steps per epoch: the
    /// paper warms large batches up for longer).
    public static let longWarmupEpochs = 2.0
    /// Batches above this get `longWarmupEpochs`.
    public static let longWarmupAbove = 2048
    /// Warm-up never takes more than this share of the run, so that short runs still decay.
    public static let maximumWarmupShare = 1.0 / 3.0

    // MARK: Momentum

    /// Whether `optimizer` runs Nesterov momentum (`lars-train --nesterov`): SGD and LARS both
    /// do, so the comparison is of the rate rules, not the momentum form. It helped LARS at batch
    /// 8,192 and changed little at 512 (docs/study.md, "The recipe search"; TF's and MLPerf's
    /// LARS have it; Nado et al. 2021 tuned Nesterov SGD).
    public static func nesterov(_ optimizer: StudyOptimizer) -> Bool {
        optimizer == .sgd || optimizer == .lars
    }

    // MARK: Weight decay

    /// Weight decay per optimizer; `nil` keeps lars-train's default (`RecipeDefaults.weightDecay`).
    public static func weightDecay(_ optimizer: StudyOptimizer) -> Double? { nil }

    // MARK: Rules

    /// The peak learning rate the rule gives `optimizer` at `batch` images per step.
    public static func learningRate(_ optimizer: StudyOptimizer, batch: Int) -> Double {
        let b = Double(batch)
        switch optimizer {
        case .sgd: return sgdRateAtReference * b / sgdReferenceBatch
        case .lars: return larsRateAtReference * pow(b / larsReferenceBatch, larsRateExponent)
        case .lamb: return lambRateAtReference * (b / adaptiveReferenceBatch).squareRoot()
        case .adamw: return adamwRateAtReference * (b / adaptiveReferenceBatch).squareRoot()
        }
    }

    /// Linear warm-up in epochs at `batch` for a run of `epochs` epochs (every optimizer).
    public static func warmupEpochs(batch: Int, epochs: Int) -> Double {
        let wanted = batch <= longWarmupAbove ? shortWarmupEpochs : longWarmupEpochs
        return min(wanted, maximumWarmupShare * Double(epochs))
    }

    /// The factors of a learning-rate search of `count` runs: powers of 2 centred on the rule
    /// (1 -> [1]; 3 -> [0.5, 1, 2]; 4 -> [0.5, 1, 2, 4]; an even count leans upwards).
    public static func searchFactors(count: Int) -> [Double] {
        guard count > 1 else { return [1] }
        let low = -((count - 1) / 2)
        return (0..<count).map { pow2(Double(low + $0)) }
    }

    // MARK: Default grids

    /// The default study (no flags): a baseline batch of 64, so that 32x (2,048) still takes a
    /// hundred steps over 4 epochs and 64x (4,096) shows where scaling ends; equal epochs for the
    /// accuracy table, steps to 90 and 92 % validation accuracy beside it; two seeds, so that every
    /// cell has a mean and a spread. lars-study runs it at the searched settings of
    /// `BuiltInRecipes` (docs/study.md has the search and the study's time).
    public static let fullDefaults = StudySettings(
        dataset: "fashion-mnist", model: "small-cnn", optimizers: [.sgd, .lars],
        batches: [64, 256, 1024, 2048, 4096], seeds: [1, 2], epochs: 4, validation: 5000, trainLimit: nil)

    /// `--quick`: the same span from 64 to 2,048 (32x) on 20,000 training images for 2 epochs,
    /// about a seventh of the default study's images; large batches get only a few dozen steps,
    /// so it shows the machinery and the small-batch end, not where scaling ends.
    public static let quickDefaults = StudySettings(
        dataset: "fashion-mnist", model: "small-cnn", optimizers: [.sgd, .lars],
        batches: [64, 256, 1024, 2048], seeds: [1], epochs: 2, validation: 5000, trainLimit: 20000)

    /// `--full`: batches 32 to 8,192, 10 epochs, two seeds and a rate search of 3 per cell
    /// (about 60 million training images: a night on 2 cores, docs/study.md).
    public static let largeGrid: StudySettings = {
        var s = StudySettings(
            dataset: "fashion-mnist", model: "small-cnn", optimizers: [.sgd, .lars],
            batches: [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192], seeds: [1, 2], epochs: 10, validation: 5000,
            trainLimit: nil)
        s.searchCount = 3
        return s
    }()
}

/// 2 to the power `x`.
func pow2(_ x: Double) -> Double {
    var result = 1.0
    if x >= 0 { for _ in 0..<Int(x) { result *= 2 } } else { for _ in 0..<Int(-x) { result /= 2 } }
    return result
}
