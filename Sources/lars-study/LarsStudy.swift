import ArgumentParser
import Foundation
import LARSCommandLine
import LARSKernels
import LARSStudy
import LARSTraining

/// `lars-study`: runs a grid of lars-train runs (optimizers x batch sizes x seeds, optionally a
/// learning-rate search per cell) and reports them side by side, like the LARS paper's tables.
@main
struct LarsStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lars-study",
        abstract: "Run SGD against LARS (and LAMB, AdamW) over batch sizes and report them side by side.",
        discussion: """
            Every run is an ordinary lars-train run in <output>/cells/<opt>-b<batch>-lr<rate>-s<seed>/, \
            started as its own process. Running the same study again skips finished runs and resumes \
            interrupted ones. Writes study.csv, study.md, study.html and accuracy_vs_batch.svg into --output. \
            Learning-rate rules: Sources/LARSStudy/StudyRecipes.swift. --search tunes every cell's rate and \
            warm-up on the validation split (the same grid for every optimizer), reruns each choice over the \
            seeds and writes search.csv, search.md and recipes.json; --recipes runs a study from that file.
            """)

    @Option(help: "Optimizers, comma-separated, of \(OptimizerKind.allowedValues) (default: sgd,lars).")
    var optimizers: String?
    @Option(help: "Batch sizes, comma-separated (default: 64,256,1024,2048,4096; --quick: 64,256,1024,2048).")
    var batches: String?
    @Option(help: "Seeds: one number N runs seeds 1...N; a comma-separated list runs those seeds (default: 1,2; --quick: 1).")
    var seeds: String?
    @Option(help: "Epochs of every run (default: 4; --quick: 2; --full: 10).")
    var epochs: Int?
    @Flag(help: "A smaller grid: batches 64,256,1024,2048, 2 epochs, 20,000 training images (about 12 minutes on 2 cores).")
    var quick = false
    @Flag(help: "The large grid: batches 32 to 8192, 10 epochs, 2 seeds, 3 rates per cell (a night on 2 cores).")
    var full = false
    @Option(help: "Data set of every run (default: fashion-mnist).")
    var dataset: DatasetKind?
    @Option(name: .customLong("data-dir"), help: "Directory with the data set files.")
    var dataDirectory: String?
    @Option(help: "Model of every run (default: small-cnn).")
    var model: ModelKind?
    @Option(help: "Training images held out as the validation split (default: 5000).")
    var validation: Int?
    @Option(name: .customLong("train-limit"), help: "Train on at most N images (after the validation split).")
    var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Evaluate on the first N test images only.")
    var testLimit: Int?
    @Option(help: "Threads of each lars-train run.")
    var threads: Int?
    @Option(name: .customLong("conv-engine"), help: "Convolution engine of each lars-train run (default: lars-train's).")
    var convolutionEngine: ConvolutionEngine?
    @Option(name: .customLong("lr-search"), help: "Learning rates per cell, a factor 2 apart and centred on the rule (3: x0.5, x1, x2); the best validation accuracy wins (default: 1; --search: 5).")
    var searchCount: Int?
    @Flag(help: "Tune every (optimizer, batch) cell's rate and warm-up on the validation split, the same grid for every optimizer; rerun each choice over --seeds (default 1,2); write search.csv, search.md and recipes.json.")
    var search = false
    @Option(name: .customLong("warmup-search"), help: "With --search: warm-ups per cell, a factor 2 apart up to min(5 epochs, half the run) (default: 3; 1: the rule's).")
    var warmupCount: Int?
    @Option(help: "With --search: rates a cell may add past either end of its grid, at the chosen warm-up, while its choice lies on that end (default: 2; 0: the grid only).")
    var widen: Int?
    @Option(help: "With --search: the warm-up lengths in epochs, comma-separated, instead of --warmup-search (1,2,5); at most half the run.")
    var warmups: String?
    @Option(help: "A recipes.json written by --search: its cells run at the searched rate and warm-up, the others at the rule's.")
    var recipes: String?
    @Flag(help: "Every cell at the rules' rate and warm-up (StudyRecipes.swift), not the default study's built-in searched recipes.")
    var rules = false
    @Option(help: "Validation accuracies whose first step every run records, comma-separated (default: 0.90,0.92).")
    var targets: String?
    @Option(help: "Rates that replace the rule's value, per optimizer: sgd=0.4,lars=6.")
    var rates: String?
    @Option(help: "Extra lars-train flags appended to every run, split on spaces: '--smoothing 0.1'.")
    var extra: String?
    @Option(help: "Command words in front of every run, split on spaces: 'mpirun -np 2 --oversubscribe'.")
    var launcher: String?
    @Option(name: .customLong("lars-train"), help: "The lars-train executable (default: next to lars-study).")
    var larsTrain: String?
    @Option(help: "Study directory; running the same one again skips finished runs.")
    var output = "studies/latest"
    @Flag(name: .customLong("tensorboard"), inversion: .prefixedNo, help: "TensorBoard event files in every run and the grid as one HParams table (tensorboard --logdir OUTPUT); --no-tensorboard: CSV logs only.")
    var tensorBoard = true
    @Flag(name: .customLong("dry-run"), help: "Print the runs and their commands without running them.")
    var dryRun = false

    func makeSettings() throws -> StudySettings {
        if quick && full { throw StudyError.invalidSettings("--quick and --full choose different grids: give one of them") }
        var s = quick ? StudyRecipes.quickDefaults : full ? StudyRecipes.largeGrid : StudyRecipes.fullDefaults
        s.output = output
        // A value given twice would run the same cell twice: each is kept once.
        if let optimizers { s.optimizers = try StudyOptimizer.parseList(optimizers).uniqued() }
        if let batches { s.batches = try parseIntegers(batches, "--batches").uniqued() }
        if let seeds {
            let list = try parseIntegers(seeds, "--seeds"), most = StudySettings.maximumSeeds
            if list.count == 1 && !(1...most).contains(list[0]) {
                throw StudyError.invalidSettings("--seeds: a count must be in 1...\(most), got \(list[0])")
            }
            if list.count > 1, let bad = list.first(where: { $0 < 0 }) { throw StudyError.invalidSettings("--seeds: seed \(bad) is negative") }
            s.seeds = list.count == 1 ? (1...UInt64(list[0])).map { $0 } : list.uniqued().map { UInt64($0) }
        }
        if let epochs { s.epochs = epochs }
        if let dataset { s.dataset = dataset.rawValue }
        s.dataDirectory = dataDirectory
        if let model { s.model = model.rawValue }
        if let validation { s.validation = validation }
        if let trainLimit { s.trainLimit = trainLimit }
        s.testLimit = testLimit
        s.threads = threads
        if let convolutionEngine { s.convolutionEngine = convolutionEngine }
        if let searchCount { s.searchCount = searchCount }
        if let targets {
            s.targets = try targets.split(separator: ",").map {
                guard let value = Double($0.trimmingCharacters(in: .whitespaces)) else {
                    throw StudyError.invalidSettings("--targets: '\($0)' is not a number (0.90,0.92)")
                }
                return value
            }
        }
        if let rates { s.rateOverrides = try parseRates(rates) }
        s.extraArguments = splitWords(extra ?? "")
        s.launcher = splitWords(launcher ?? "")
        s.tensorBoard = tensorBoard
        try applySearchFlags(to: &s)
        try s.validate()
        return s
    }

    /// `--search` and its grid, or `--recipes`; the search's flags without `--search` are refused.
    func applySearchFlags(to s: inout StudySettings) throws {
        if search {
            s.mode = .search
            s.searchCount = searchCount ?? StudySettings.defaultSearchRates
            if seeds == nil { s.seeds = StudySettings.defaultSearchSeeds }
            let lengths = try warmups.map { text in
                try text.split(separator: ",").map {
                    guard let value = Double($0.trimmingCharacters(in: .whitespaces)) else {
                        throw StudyError.invalidSettings("--warmups: '\($0)' is not a number of epochs (1,2,5)")
                    }
                    return value
                }
            }
            if warmupCount != nil && warmups != nil {
                throw StudyError.invalidSettings("--warmups and --warmup-search both set the warm-ups: give one of them")
            }
            s.warmupGrid = WarmupGrid(count: warmupCount ?? WarmupGrid.defaultCount, lengths: lengths)
            if let widen { s.searchWidenings = widen }
        } else if warmupCount != nil || warmups != nil || widen != nil {
            throw StudyError.invalidSettings("--warmup-search, --warmups and --widen shape a search: give --search too")
        }
        if let recipes {
            if rules { throw StudyError.invalidSettings("--rules and --recipes choose different settings: give one of them") }
            s.recipes = try RecipeBook.read(from: recipes)
        }
        if !rules { s = BuiltInRecipes.applied(to: s) }
    }

    func run() throws {
        do {
            let settings = try makeSettings()
            var isDirectory: ObjCBool = false
            if let larsTrain, !FileManager.default.isExecutableFile(atPath: larsTrain)
                || (FileManager.default.fileExists(atPath: larsTrain, isDirectory: &isDirectory) && isDirectory.boolValue) {
                throw StudyError.cannotRun("--lars-train \(larsTrain) is not an executable file")
            }
            let runner = StudyRunner(settings: settings, larsTrain: try larsTrain ?? LarsTrainCommand.locateNextToSelf())
            if dryRun {
                for line in try runner.dryRunLines() { print(line) }
                return
            }
            try runner.run()
        } catch let error as StudyError {
            // Readable in release builds: the message, not a trap.
            throw ValidationError(error.description)
        }
    }
}

/// `128,512` as integers, or a readable error naming the flag.
func parseIntegers(_ text: String, _ flag: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else {
            throw StudyError.invalidSettings("\(flag): '\($0)' is not a whole number")
        }
        return n
    }
}

/// `sgd=0.4,lars=6` as rates by optimizer.
func parseRates(_ text: String) throws -> [StudyOptimizer: Double] {
    var rates: [StudyOptimizer: Double] = [:]
    for item in text.split(separator: ",") {
        let parts = item.split(separator: "=")
        guard parts.count == 2, let optimizer = StudyOptimizer(rawValue: String(parts[0])), let rate = Double(parts[1]) else {
            throw StudyError.invalidSettings("--rates: '\(item)' is not OPTIMIZER=RATE (sgd=0.4)")
        }
        rates[optimizer] = rate
    }
    return rates
}
