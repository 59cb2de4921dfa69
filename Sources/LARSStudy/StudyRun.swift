import LARSTraining

/// Where a run's learning rate and warm-up came from, as `study.md` names it.
public enum SettingSource: String, Sendable, Hashable, CaseIterable {
    /// `StudyRecipes`' rules (the default).
    case rule
    /// `--rates`: the flag's rate, the rule's warm-up.
    case override
    /// A search's choices: a `--recipes` file written by `lars-study --search`, or the built-in
    /// recipes of the default study (`BuiltInRecipes`).
    case recipes
    /// A trial or a rerun of `lars-study --search`.
    case search

    /// Whether a run's directory names its warm-up: the rule's warm-up follows from the batch
    /// and the epochs, a searched one does not, and two settings that differ only in warm-up
    /// must not share a directory (the second would be skipped as finished).
    public var namesWarmup: Bool { self == .recipes || self == .search }

    /// The words of `study.md`'s settings table.
    public var summary: String {
        switch self {
        case .rule: return "the rule (StudyRecipes.swift)"
        case .override: return "--rates, the rule's warm-up"
        case .recipes: return "the search's recipes"
        case .search: return "a search trial"
        }
    }
}

/// One lars-train run of a study: a cell of the grid at one learning rate and warm-up.
public struct StudyRun: Sendable, Equatable, Hashable {
    /// The optimizer.
    public var optimizer: StudyOptimizer
    /// Images per step.
    public var batch: Int
    /// Peak learning rate, rounded to 4 significant digits (the directory names it).
    public var learningRate: Double
    /// This run's rate over the centre's (the rule's, the override's or the recipe's; 1 unless searching).
    public var rateFactor: Double
    /// Linear warm-up, epochs.
    public var warmupEpochs: Double
    /// lars-train's seed.
    public var seed: UInt64
    /// Where the centre rate and the warm-up came from.
    public var source: SettingSource

    /// Creates a run description.
    public init(
        optimizer: StudyOptimizer, batch: Int, learningRate: Double, rateFactor: Double = 1, warmupEpochs: Double, seed: UInt64,
        source: SettingSource = .rule
    ) {
        self.optimizer = optimizer
        self.batch = batch
        self.learningRate = learningRate
        self.rateFactor = rateFactor
        self.warmupEpochs = warmupEpochs
        self.seed = seed
        self.source = source
    }

    /// The run directory's name inside `<study>/cells`: `lars-b2048-lr6-s1`, with the warm-up
    /// when it was searched (`sgd-b2048-lr0.8-w5-s1`).
    public var directoryName: String {
        let warmup = source.namesWarmup ? "-w\(shortNumber(warmupEpochs))" : ""
        return "\(optimizer.rawValue)-b\(batch)-lr\(shortNumber(learningRate))\(warmup)-s\(seed)"
    }

    /// The cell this run belongs to: the same optimizer, batch and seed (search runs share one).
    public var cellKey: CellKey { CellKey(optimizer: optimizer, batch: batch, seed: seed) }

    /// This run at `seed`, everything else alike (a search's rerun of its choice).
    public func withSeed(_ seed: UInt64) -> StudyRun {
        var copy = self
        copy.seed = seed
        return copy
    }
}

/// Identifies a cell of the grid (one seed of it): the runs of a rate search share a key.
public struct CellKey: Sendable, Hashable, Comparable {
    /// The optimizer.
    public var optimizer: StudyOptimizer
    /// Images per step.
    public var batch: Int
    /// The seed.
    public var seed: UInt64

    /// Orders by batch, optimizer, seed.
    public static func < (a: CellKey, b: CellKey) -> Bool {
        (a.batch, a.optimizer.rawValue, a.seed) < (b.batch, b.optimizer.rawValue, b.seed)
    }
}
