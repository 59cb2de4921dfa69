import Foundation
import LARSTraining

/// What `lars-study` does with its grid.
public enum StudyMode: String, Sendable, Equatable, CaseIterable {
    /// Runs every cell at its setting (the rule's, `--rates`' or `--recipes`') and reports the table.
    case study
    /// Tunes every cell's learning rate and warm-up on the validation split, reruns each choice
    /// over the seeds and writes `search.csv`, `search.md` and `recipes.json` (`--search`).
    case search
}

/// The warm-up lengths a search tries in every cell, the same for every optimizer: `count`
/// lengths a factor 2 apart ending at the longest allowed (Goyal et al.'s 5 epochs, at most half
/// the run), or the lengths given with `--warmups`.
public struct WarmupGrid: Sendable, Equatable {
    /// Lengths per cell when `lengths` is nil (`--warmup-search`); 1 tries the rule's warm-up only.
    public var count: Int
    /// Lengths in epochs given explicitly (`--warmups 1,2,5`), or nil.
    public var lengths: [Double]?

    /// A grid of `count` lengths, or of `lengths` when given.
    public init(count: Int = WarmupGrid.defaultCount, lengths: [Double]? = nil) {
        self.count = count
        self.lengths = lengths
    }

    /// Lengths per cell by default.
    public static let defaultCount = 3
    /// The most lengths a grid may hold.
    public static let maximumCount = 8
    /// The longest default warm-up: Goyal et al. 2017 (arXiv 1706.02677) warm up for 5 epochs.
    public static let longestEpochs = 5.0
    /// A warm-up never takes more than this share of the run, so that every run also decays.
    public static let maximumShare = 0.5

    /// The longest warm-up a run of `epochs` epochs may have.
    public static func longestAllowed(epochs: Int) -> Double { maximumShare * Double(epochs) }

    /// The lengths tried at `batch` in runs of `epochs` epochs, ascending, each rounded to 4 digits.
    public func lengths(batch: Int, epochs: Int) -> [Double] {
        if let lengths { return lengths.map(roundedRate).sorted() }
        if count <= 1 { return [StudyRecipes.warmupEpochs(batch: batch, epochs: epochs)] }
        let longest = min(Self.longestEpochs, Self.longestAllowed(epochs: epochs))
        return (0..<count).map { roundedRate(longest / pow2(Double(count - 1 - $0))) }
    }

    /// Whether every cell tries more than one length (else the warm-up is not searched).
    public var isSearched: Bool { (lengths?.count ?? count) > 1 }

    /// Throws a readable error when the grid cannot be run in runs of `epochs` epochs.
    public func validate(epochs: Int) throws {
        guard let lengths else {
            guard (1...Self.maximumCount).contains(count) else {
                throw StudyError.invalidSettings("--warmup-search must be in 1...\(Self.maximumCount), got \(count)")
            }
            return
        }
        let most = Self.longestAllowed(epochs: epochs)
        guard !lengths.isEmpty, lengths.count <= Self.maximumCount else {
            throw StudyError.invalidSettings("--warmups: 1 to \(Self.maximumCount) lengths, got \(lengths.count)")
        }
        guard Set(lengths.map(roundedRate)).count == lengths.count else { throw StudyError.invalidSettings("--warmups names a length twice: \(lengths.map(shortNumber))") }
        if let bad = lengths.first(where: { !$0.isFinite || $0 < 0 || $0 > most }) {
            throw StudyError.invalidSettings(
                "--warmups: \(shortNumber(bad)) epochs is outside 0...\(shortNumber(most)) (a warm-up takes at most half of the \(epochs)-epoch runs)")
        }
    }
}

/// The runs a search spends on each optimizer: the same for every optimizer by construction.
public struct SearchBudget: Sendable, Equatable {
    /// Batches searched.
    public var batches: Int
    /// Learning rates per cell.
    public var rates: Int
    /// Warm-up lengths per cell.
    public var warmups: Int
    /// Seeds each choice is rerun at beyond the search's own (the seeds after the first).
    public var rerunSeeds: Int

    /// Trials per optimizer: batches x rates x warm-ups, all at the first seed.
    public var trials: Int { batches * rates * warmups }
    /// Reruns per optimizer: one per batch and further seed.
    public var reruns: Int { batches * rerunSeeds }
    /// Runs per optimizer.
    public var total: Int { trials + reruns }

    /// `every optimizer: 30 trials (2 batches x 5 rates x 3 warm-ups, first seed) + 2 reruns of its choices (1 more seed)`.
    public var line: String {
        func count(_ n: Int, _ word: String, _ plural: String? = nil) -> String { "\(n) " + (n == 1 ? word : plural ?? word + "s") }
        return "every optimizer: \(count(trials, "trial")) (\(count(batches, "batch", "batches")) x "
            + "\(count(rates, "rate")) x \(count(warmups, "warm-up")), first seed) + \(count(reruns, "rerun")) of its choices "
            + "(\(count(rerunSeeds, "more seed")))"
    }
}

extension StudySettings {
    /// Learning rates per cell of a search when `--lr-search` is not given.
    public static let defaultSearchRates = 5
    /// Seeds of a search when `--seeds` is not given: the search's and one rerun.
    public static let defaultSearchSeeds: [UInt64] = [1, 2]

    /// What the search spends on each optimizer.
    public var searchBudget: SearchBudget {
        let warmups = batches.map { warmupGrid.lengths(batch: $0, epochs: epochs).count }.max() ?? 0
        return SearchBudget(batches: batches.count, rates: searchCount, warmups: warmups, rerunSeeds: max(0, seeds.count - 1))
    }

    /// The trials of a search in order: batch, optimizer, rate factor, warm-up, all at the first seed.
    public var searchTrials: [StudyRun] {
        guard let seed = seeds.first else { return [] }
        var out: [StudyRun] = []
        for batch in batches {
            for optimizer in optimizers {
                let centre = setting(optimizer, batch: batch).learningRate
                for factor in StudyRecipes.searchFactors(count: searchCount) {
                    for warmup in warmupGrid.lengths(batch: batch, epochs: epochs) {
                        out.append(StudyRun(
                            optimizer: optimizer, batch: batch, learningRate: roundedRate(centre * factor), rateFactor: factor,
                            warmupEpochs: warmup, seed: seed, source: .search))
                    }
                }
            }
        }
        return out
    }

    /// The reruns of `choices`: each chosen trial again at every seed after the first.
    public func reruns(of choices: [SearchChoice]) -> [StudyRun] {
        choices.compactMap(\.chosen).flatMap { chosen in seeds.dropFirst().map { chosen.run.withSeed($0) } }
    }

    /// Throws a readable error when a search cannot run with these settings.
    func validateSearch() throws {
        guard seeds.count >= 2 else {
            throw StudyError.invalidSettings("--search reruns each choice over at least 2 seeds: give --seeds 2 or more, got \(seeds.count)")
        }
        guard recipes == nil else {
            throw StudyError.invalidSettings("--recipes runs a study from a search's choices and --search makes them: give one of them")
        }
        if extraSetsWarmup {
            throw StudyError.invalidSettings("--extra may not hold --warmup-epochs in a search: the search sets each trial's warm-up (--warmups)")
        }
        try warmupGrid.validate(epochs: epochs)
        guard (0...Self.maximumWidenings).contains(searchWidenings) else {
            throw StudyError.invalidSettings("--widen must be in 0...\(Self.maximumWidenings), got \(searchWidenings)")
        }
    }

    /// Whether `--extra` sets lars-train's warm-up, which a search or a book of recipes sets per cell.
    var extraSetsWarmup: Bool {
        extraArguments.contains { $0.split(separator: "=").first == "--warmup-epochs" }
    }

    /// The most rates `--widen` may add past either end of a cell's grid.
    public static let maximumWidenings = 6
}
