import LARSTraining

/// Widening a search past an edge: a cell whose choice lies on the lowest or the highest rate of
/// its grid may do better beyond it, so the search tries the next rate out (half the lowest or
/// twice the highest factor) at the chosen warm-up, and chooses again. The rule is the same for
/// every optimizer, and `searchWidenings` bounds it, so a cell that keeps choosing its edge ends
/// flagged "widen the grid" instead of searching forever. One trial per step keeps a widening
/// to one run per cell; the warm-up was already chosen over the grid's lengths.
///
/// Warm-ups are not widened: the longest is the longest a run may have (half of it, at most
/// Goyal et al.'s 5 epochs), and a choice of the shortest is reported as an edge.
public enum SearchWidening {
    /// The search's trials: the grid's (`StudySettings.searchTrials`), then every widening the
    /// ended trials call for, in the order they were added. `read` gives the results of runs as
    /// their directories show them; a cell widens only once all its trials have ended.
    public static func trials(_ settings: StudySettings, read: ([StudyRun]) -> [RunResult]) -> [StudyRun] {
        var trials = settings.searchTrials
        // Each pass adds at most one rate per cell, so this bound is never what stops it.
        for _ in 0..<(2 * settings.searchWidenings + 1) {
            let choices = SearchSelection.choices(read(trials), settings: settings)
            let added = choices.flatMap { widening(of: $0, settings: settings) }
            if added.isEmpty { break }
            trials += added
        }
        return trials
    }

    /// The trial that widens `choice`'s cell by one rate past the edge its choice lies on, or none
    /// when the choice is inside, undecided, or the widening limit is reached.
    static func widening(of choice: SearchChoice, settings: StudySettings) -> [StudyRun] {
        guard settings.searchWidenings > 0, let chosen = choice.chosen, let first = choice.trials.first else { return [] }
        let factors = choice.trials.map(\.run.rateFactor)
        let grid = StudyRecipes.searchFactors(count: settings.searchCount)
        guard grid.count > 1, let lowest = factors.min(), let highest = factors.max() else { return [] }
        let limit = pow2(Double(settings.searchWidenings))
        let factor: Double
        if chosen.run.rateFactor == highest, highest < grid.last! * limit {
            factor = highest * 2
        } else if chosen.run.rateFactor == lowest, lowest > grid.first! / limit {
            factor = lowest / 2
        } else {
            return []
        }
        let rate = roundedRate(settings.setting(choice.optimizer, batch: choice.batch).learningRate * factor)
        let allowed = StudySettings.minimumLearningRate...TrainingConfiguration.maximumLearningRate
        guard allowed.contains(rate) else { return [] }
        return [StudyRun(
            optimizer: choice.optimizer, batch: choice.batch, learningRate: rate, rateFactor: factor,
            warmupEpochs: chosen.run.warmupEpochs, seed: first.run.seed, source: .search)]
    }
}
