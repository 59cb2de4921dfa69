import Foundation
import LARSKernels
import LARSTraining

/// The optimizers a study can compare: lars-train's own (`--opt`), in the tables' order.
public typealias StudyOptimizer = OptimizerKind

extension OptimizerKind {
    /// Parses a comma-separated list such as `sgd,lars`, or throws naming the unknown one.
    public static func parseList(_ text: String) throws -> [OptimizerKind] {
        try text.split(separator: ",").map { name in
            guard let o = OptimizerKind(rawValue: name.trimmingSpaces()) else {
                throw StudyError.invalidSettings("unknown optimizer '\(name)' (\(allowedValues))")
            }
            return o
        }
    }
}

/// Everything that defines a study: the grid, the runs' shared settings and where it writes.
public struct StudySettings: Sendable, Equatable {
    /// Data set (lars-train's `--dataset`).
    public var dataset: String
    /// Directory of the data set files, or nil for lars-train's default.
    public var dataDirectory: String?
    /// Model (lars-train's `--model`).
    public var model: String
    /// The optimizers compared (columns of the table).
    public var optimizers: [StudyOptimizer]
    /// Images per step (rows of the table).
    public var batches: [Int]
    /// Seeds; every (optimizer, batch) cell runs once per seed.
    public var seeds: [UInt64]
    /// Epochs of every run.
    public var epochs: Int
    /// Training images held out as the validation split (lars-train's `--validation`).
    public var validation: Int
    /// lars-train's `--train-limit`, or nil.
    public var trainLimit: Int?
    /// lars-train's `--test-limit`, or nil.
    public var testLimit: Int?
    /// lars-train's `--threads`, or nil.
    public var threads: Int?
    /// lars-train's `--conv-engine`, or nil for lars-train's default.
    public var convolutionEngine: ConvolutionEngine?
    /// Runs per cell in the learning-rate search (1: the rule's rate only); in `--search`, the
    /// rates of every cell's grid.
    public var searchCount: Int = 1
    /// A study of the grid, or a search of every cell's rate and warm-up (`--search`).
    public var mode: StudyMode = .study
    /// The warm-up lengths a search tries per cell (`--search` only).
    public var warmupGrid = WarmupGrid()
    /// How many rates a search may add past either end of a cell's grid when the choice lies on
    /// that end (`--widen`; 0: the grid only). See `SearchWidening`.
    public var searchWidenings = 2
    /// A search's choices that replace the rules for the cells they cover (`--recipes`).
    public var recipes: RecipeBook?
    /// Rates that replace a rule's value, per optimizer (`--rates sgd=1e6`).
    public var rateOverrides: [StudyOptimizer: Double] = [:]
    /// Validation accuracies whose first step every run records (lars-train's `--targets`).
    public var targets: [Double] = TargetReached.defaultTargets
    /// Extra lars-train arguments appended to every run.
    public var extraArguments: [String] = []
    /// Command words put in front of every run (`mpirun -np 2 --oversubscribe`).
    public var launcher: [String] = []
    /// Whether runs write TensorBoard event files and the study its HParams records
    /// (`StudyTensorBoard`); off passes `--no-tensorboard` to lars-train.
    public var tensorBoard = true
    /// The study directory (`--output`).
    public var output: String

    /// A grid of `optimizers` x `batches` x `seeds` on `dataset` and `model`, writing into `output`.
    public init(
        dataset: String, model: String, optimizers: [StudyOptimizer], batches: [Int], seeds: [UInt64], epochs: Int,
        validation: Int, trainLimit: Int?, output: String = "studies/latest"
    ) {
        self.dataset = dataset
        self.model = model
        self.optimizers = optimizers
        self.batches = batches
        self.seeds = seeds
        self.epochs = epochs
        self.validation = validation
        self.trainLimit = trainLimit
        self.output = output
    }

    /// The full default study (`StudyRecipes.fullDefaults`), writing into `output`.
    public init(output: String = "studies/latest") {
        self = StudyRecipes.fullDefaults
        self.output = output
    }

    /// The most seeds a study runs per cell.
    public static let maximumSeeds = 1000
    /// The most learning rates a search tries per cell (a factor 2 apart: 2^-7 to 2^7 of the rule).
    public static let maximumSearchCount = 15
    /// The most runs a study holds.
    public static let maximumRuns = 10_000
    /// The smallest learning rate a run may get (lars-train takes `--lr` as a `Float`).
    public static let minimumLearningRate = 1e-12
    /// lars-train flags that define a cell or its directory, which lars-study sets for every run:
    /// in `--extra` they would run every cell alike or point them all at one directory. A run
    /// stopped at its target ends short of the study's equal epochs, which a cell never does.
    public static let studyFlags = [
        "--output", "--resume", "--overwrite", "--opt", "--lr", "--batch-size", "-b", "--seed", "--epochs",
        "--stop-at-target",
    ]

    /// Throws a readable error when the settings cannot make a study.
    public func validate() throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw StudyError.invalidSettings(message()) }
        }
        do { try OutputPath.validate(output) } catch TrainingError.invalidConfiguration(let message) { throw StudyError.invalidSettings(message) }
        try check(Set(optimizers).count == optimizers.count, "--optimizers names an optimizer twice: \(optimizers.map(\.rawValue))")
        try check(Set(batches).count == batches.count, "--batches names a batch size twice: \(batches)")
        try check(Set(seeds).count == seeds.count, "--seeds names a seed twice")
        try check(seeds.count <= Self.maximumSeeds, "--seeds: at most \(Self.maximumSeeds) seeds, got \(seeds.count)")
        try check(searchCount <= Self.maximumSearchCount, "--lr-search must be in 1...\(Self.maximumSearchCount), got \(searchCount)")
        if let flag = extraArguments.first(where: { Self.studyFlags.contains(String($0.split(separator: "=").first ?? "")) }) {
            throw StudyError.invalidSettings(
                "--extra may not hold \(flag): lars-study sets it for every run (each run has its own directory under \(output)/cells); "
                    + "use --optimizers, --batches, --seeds, --epochs or --rates")
        }
        try check(!optimizers.isEmpty, "no optimizers given")
        try check(!batches.isEmpty && batches.allSatisfy { $0 > 0 }, "batch sizes must be positive, got \(batches)")
        try check(!seeds.isEmpty, "no seeds given")
        try check(epochs > 0, "epochs must be positive, got \(epochs)")
        try check(validation > 0, "the validation split must hold at least one image, got \(validation)")
        try check(!targets.isEmpty && targets.allSatisfy { $0 > 0 && $0 <= 1 }, "--targets must be accuracies in (0, 1], got \(targets)")
        try check(searchCount >= 1, "--lr-search must be at least 1, got \(searchCount)")
        try check(rateOverrides.values.allSatisfy { $0 > 0 && $0.isFinite }, "override rates must be positive")
        try check(DatasetFacts(name: dataset) != nil, "unknown data set '\(dataset)' (\(DatasetFacts.names.joined(separator: ", ")))")
        if mode == .search { try validateSearch() } else { try recipes?.validate(for: self) }
        let runCount = mode == .search
            ? searchBudget.total * optimizers.count
            : optimizers.count * batches.count * seeds.count * max(1, searchCount)
        try check(runCount <= Self.maximumRuns, "the grid holds \(runCount) runs, more than \(Self.maximumRuns)")
        let allowed = Self.minimumLearningRate...TrainingConfiguration.maximumLearningRate
        if let run = runs.first(where: { !allowed.contains($0.learningRate) }) {
            throw StudyError.invalidSettings(
                "\(run.optimizer.rawValue) at batch \(run.batch) would get learning rate \(shortNumber(run.learningRate)), outside "
                    + "[\(shortNumber(allowed.lowerBound)), \(shortNumber(allowed.upperBound))]; use a smaller --lr-search or other --rates")
        }
    }

    /// Every run of the study in order: batch (small first), optimizer, seed, then search
    /// factor; in `--search`, the trials of the search (`searchTrials`).
    public var runs: [StudyRun] {
        if mode == .search { return searchTrials }
        var out: [StudyRun] = []
        for batch in batches {
            for optimizer in optimizers {
                let centre = setting(optimizer, batch: batch)
                for seed in seeds {
                    for factor in StudyRecipes.searchFactors(count: searchCount) {
                        out.append(StudyRun(
                            optimizer: optimizer, batch: batch, learningRate: roundedRate(centre.learningRate * factor),
                            rateFactor: factor, warmupEpochs: centre.warmupEpochs, seed: seed, source: centre.source))
                    }
                }
            }
        }
        return out
    }

    /// The centre rate and the warm-up of a cell and where they came from: the `--recipes`
    /// entry, else the `--rates` override with the rule's warm-up, else the rules.
    public func setting(_ optimizer: StudyOptimizer, batch: Int) -> (learningRate: Double, warmupEpochs: Double, source: SettingSource) {
        if let recipe = recipes?.recipe(optimizer, batch: batch) {
            return (recipe.learningRate, recipe.warmupEpochs, .recipes)
        }
        let warmup = StudyRecipes.warmupEpochs(batch: batch, epochs: epochs)
        if let rate = rateOverrides[optimizer] { return (rate, warmup, .override) }
        return (StudyRecipes.learningRate(optimizer, batch: batch), warmup, .rule)
    }
}
