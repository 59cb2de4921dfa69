import LARSTraining

/// The mean and spread of a measurement over seeds.
public struct Spread: Sendable, Equatable {
    /// Mean of the values.
    public var mean: Double
    /// Sample standard deviation (n - 1), 0 for one value.
    public var standardDeviation: Double
    /// Smallest value.
    public var minimum: Double
    /// Largest value.
    public var maximum: Double
    /// Values averaged.
    public var count: Int

    /// The spread of `values`, or nil when there are none.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.mean = mean
        standardDeviation = values.count > 1 ? (squares / (n - 1)).squareRoot() : 0
        minimum = values.min()!
        maximum = values.max()!
        count = values.count
    }

    /// Accuracies in [0, 1] as `90.61 ± 0.21 % (89.9-91.1, 2 seeds)`.
    public var percentText: String {
        var text = format(mean * 100, 2) + " ± " + format(standardDeviation * 100, 2) + " %"
        text += count > 1 ? " (\(format(minimum * 100, 2))-\(format(maximum * 100, 2)), \(count) seeds)" : " (1 seed)"
        return text
    }
}

/// An edge of a search grid that a choice can lie on: better settings may lie beyond it.
public enum GridEdge: String, Sendable, CaseIterable {
    /// The smallest rate of the grid.
    case lowestRate
    /// The largest rate of the grid.
    case highestRate
    /// The shortest warm-up of the grid.
    case shortestWarmup
    /// The longest warm-up of the grid.
    case longestWarmup

    /// `the lowest rate`.
    public var summary: String {
        switch self {
        case .lowestRate: return "the lowest rate"
        case .highestRate: return "the highest rate"
        case .shortestWarmup: return "the shortest warm-up"
        case .longestWarmup: return "the longest warm-up"
        }
    }
}

/// One (optimizer, batch) cell of a search: its trials, the choice and the choice's seeds.
public struct SearchChoice: Sendable, Equatable {
    /// The optimizer.
    public var optimizer: StudyOptimizer
    /// Images per step.
    public var batch: Int
    /// The cell's trials (the first seed), in grid order.
    public var trials: [RunResult]
    /// The finished trial with the best final validation accuracy, or nil while a trial is
    /// pending or when none finished.
    public var chosen: RunResult?
    /// The chosen setting at every seed, the chosen trial first.
    public var seedRuns: [RunResult] = []
    /// The grid edges the choice lies on (empty: inside the grid).
    public var edges: [GridEdge] = []

    /// Final validation accuracy over the finished seed runs.
    public var validation: Spread? { Spread(seedRuns.filter { $0.state == .finished }.compactMap(\.validationAccuracy)) }
    /// Final test accuracy over the finished seed runs: reported, never used to choose.
    public var test: Spread? { Spread(seedRuns.filter { $0.state == .finished }.compactMap(\.finalTestAccuracy)) }
    /// Whether every trial has ended (finished, diverged or failed).
    public var isDecided: Bool { trials.allSatisfy { $0.state != .pending } }
}

/// Chooses each cell's rate and warm-up from its trials by final validation accuracy, never by
/// the test set, and gathers the choice's reruns.
public enum SearchSelection {
    /// One choice per (batch, optimizer) of `settings`, in the grid's order, from `results` (the
    /// trials and whatever reruns exist).
    public static func choices(_ results: [RunResult], settings: StudySettings) -> [SearchChoice] {
        guard let first = settings.seeds.first else { return [] }
        return settings.batches.flatMap { batch in
            settings.optimizers.map { optimizer in
                let cell = results.filter { $0.run.optimizer == optimizer && $0.run.batch == batch }
                var choice = SearchChoice(optimizer: optimizer, batch: batch, trials: cell.filter { $0.run.seed == first })
                guard choice.isDecided, let best = choose(choice.trials) else { return choice }
                choice.chosen = best
                choice.seedRuns = [best] + settings.seeds.dropFirst().compactMap { seed in
                    cell.first { $0.run == best.run.withSeed(seed) }
                }
                choice.edges = edges(of: best.run, trials: choice.trials, settings: settings)
                return choice
            }
        }
    }

    /// The finished trial with the highest final validation accuracy (ties: nearer the centre
    /// rate, then the earlier in grid order), or nil when none finished.
    public static func choose(_ trials: [RunResult]) -> RunResult? {
        var best: RunResult?
        for trial in trials where trial.state == .finished {
            if best == nil || RateSelection.isBetter(trial, than: best!) { best = trial }
        }
        return best
    }

    /// The edges of its cell's tried grid (`trials`, widened or not) that `run` lies on; a
    /// dimension of one value has none.
    public static func edges(of run: StudyRun, trials: [RunResult], settings: StudySettings) -> [GridEdge] {
        var out: [GridEdge] = []
        let factors = trials.map(\.run.rateFactor).uniqued().sorted()
        if factors.count > 1 {
            if run.rateFactor == factors.first { out.append(.lowestRate) }
            if run.rateFactor == factors.last { out.append(.highestRate) }
        }
        let warmups = trials.map(\.run.warmupEpochs).uniqued().sorted()
        // The longest a run may have is a limit, not an edge a wider grid could pass.
        let longestAllowed = min(WarmupGrid.longestEpochs, WarmupGrid.longestAllowed(epochs: settings.epochs))
        if warmups.count > 1 {
            if run.warmupEpochs == warmups.first { out.append(.shortestWarmup) }
            if run.warmupEpochs == warmups.last, warmups.last! < longestAllowed { out.append(.longestWarmup) }
        }
        return out
    }
}
