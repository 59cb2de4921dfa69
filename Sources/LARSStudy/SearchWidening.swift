import LARSTraining

/// Widening a search past an edge: a cell whose choice lies on the lowest or the highest rate of
/// its grid may do better beyond it, so the search tries the next rate out (half the lowest or
/// twice the highest factor) at the chosen warm-up, and chooses again. The rule is the same for
/// every optimizer, and `searchWidenings` bounds it, so a cell that keeps choosing its edge ends
/// flagged "widen the grid" instead of searching forever. One trial per step keeps a widening
/// to one run per cell; the warm-up was already chosen over the grid's lengths.
///
/// A choice inside the rates but on the shortest warm-up tries half that warm-up at its rate,
/// under the same limit. The longest warm-up is not widened: it is the longest a run may have
/// (half of it, at most Goyal et al.'s 5 epochs), so a choice there is not an edge.
public enum SearchWidening {
    /// The search's trials: the grid's (`StudySettings.searchTrials`), then every widening the
    /// ended trials call for, in the order they were added. `read` gives the results of runs as
    /// their directories show them; a cell widens only once all its trials have ended.
    public static func trials(_ settings: StudySettings, read: ([StudyRun]) -> [RunResult]) -> [StudyRun] {
        var trials = settings.searchTrials
        // A pass adds at most one trial per cell: a cell widens its rates one way, then its
        // warm-up, each at most searchWidenings times, so this bound is never what stops it.
        for _ in 0..<(2 * settings.searchWidenings + 1) {
            let choices = SearchSelection.choices(read(trials), settings: settings)
            let added = choices.flatMap { widening(of: $0, settings: settings) }
            if added.isEmpty { break }
            trials += added
        }
        return trials
    }

    /// The trial that widens `choice`'s cell past the edge its choice lies on: the next rate past
    /// the lowest or highest rate tried, else half the shortest warm-up tried; none when the
    /// choice is inside, undecided, or the widening limit is reached.
    static func widening(of choice: SearchChoice, settings: StudySettings) -> [StudyRun] {
        guard settings.searchWidenings > 0, let chosen = choice.chosen, let first = choice.trials.first else { return [] }
        let limit = pow2(Double(settings.searchWidenings))
        var run = chosen.run
        run.seed = first.run.seed
        if let factor = widerFactor(chosen.run.rateFactor, tried: choice.trials.map(\.run.rateFactor), settings: settings, limit: limit) {
            let rate = roundedRate(settings.setting(choice.optimizer, batch: choice.batch).learningRate * factor)
            guard (StudySettings.minimumLearningRate...TrainingConfiguration.maximumLearningRate).contains(rate) else { return [] }
            run.rateFactor = factor
            run.learningRate = rate
        } else if let warmup = shorterWarmup(chosen.run.warmupEpochs, tried: choice.trials.map(\.run.warmupEpochs), batch: choice.batch, settings: settings, limit: limit) {
            run.warmupEpochs = warmup
        } else {
            return []
        }
        return [run]
    }

    /// Twice the highest or half the lowest factor tried when `chosen` is it, within `limit`
    /// doublings of the grid's own ends.
    static func widerFactor(_ chosen: Double, tried: [Double], settings: StudySettings, limit: Double) -> Double? {
        let grid = StudyRecipes.searchFactors(count: settings.searchCount)
        guard grid.count > 1, let lowest = tried.min(), let highest = tried.max() else { return nil }
        if chosen == highest, highest < grid.last! * limit { return highest * 2 }
        if chosen == lowest, lowest > grid.first! / limit { return lowest / 2 }
        return nil
    }

    /// Half the shortest warm-up tried when `chosen` is it, within `limit` halvings of the grid's
    /// shortest. The longest is not widened: it is the longest a run may have.
    static func shorterWarmup(_ chosen: Double, tried: [Double], batch: Int, settings: StudySettings, limit: Double) -> Double? {
        let grid = settings.warmupGrid.lengths(batch: batch, epochs: settings.epochs)
        guard grid.count > 1, let shortest = tried.min(), chosen == shortest, shortest > 0, shortest > grid.first! / limit else { return nil }
        return roundedRate(shortest / 2)
    }
}
