import LARSTraining

/// Writes a search's reports into its directory, each atomically: `search.csv` (every trial and
/// rerun), `search.md` (the grid, the choices, the edge flags) and `recipes.json` (the choices,
/// for `lars-study --recipes`).
public enum SearchOutputs {
    /// Writes the three files into `header.settings.output` from `results` (trials and reruns).
    public static func write(_ results: [RunResult], header: StudyHeader) throws {
        let settings = header.settings
        let choices = SearchSelection.choices(results, settings: settings)
        let files: [(String, String)] = [
            ("search.csv", csv(results, choices: choices, settings: settings)),
            ("search.md", markdown(choices, header: header)),
            ("recipes.json", try RecipeBook(search: settings, choices: choices).jsonText()),
        ]
        for (name, text) in files {
            try AtomicFile.write(Array(text.utf8), to: settings.output + "/" + name)
        }
    }

    /// The columns of `search.csv`. `role` is `trial` (the first seed's grid) or `rerun` (a
    /// choice at a further seed); `chosen` marks the chosen setting's runs; accuracies in percent.
    public static let columns = [
        "optimizer", "batch", "learning_rate", "rate_factor", "warmup_epochs", "seed", "role",
        "validation_accuracy", "test_accuracy", "state", "chosen", "reason", "directory",
    ]

    /// `search.csv`'s text: a header line and one line per run, newline-terminated. The test
    /// accuracy is there to be read; the choice never looks at it.
    public static func csv(_ results: [RunResult], choices: [SearchChoice], settings: StudySettings) -> String {
        let chosenRuns = Set(choices.flatMap { $0.seedRuns.map(\.run) })
        var lines = [columns.joined(separator: ",")]
        for r in results {
            let percent: (Double?) -> String = { $0.map { format($0 * 100, 2) } ?? "" }
            lines.append([
                r.run.optimizer.rawValue, "\(r.run.batch)", shortNumber(r.run.learningRate), shortNumber(r.run.rateFactor),
                shortNumber(r.run.warmupEpochs), "\(r.run.seed)", r.run.seed == settings.seeds.first ? "trial" : "rerun",
                percent(r.validationAccuracy), percent(r.finalTestAccuracy), r.state.rawValue,
                chosenRuns.contains(r.run) ? "true" : "false", csvField(r.reason), csvField(r.directory),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The advice of a choice on an edge of its grid.
    public static let widenAdvice = "widen the grid"

    /// `search.md`'s text: the header, the budget, the choices and every cell's grid.
    public static func markdown(_ choices: [SearchChoice], header: StudyHeader) -> String {
        let s = header.settings
        var out = "# lars-study --search: \(s.optimizers.map { $0.rawValue.uppercased() }.joined(separator: " vs "))\n\n"
        for (key, value) in header.lines { out += "- \(key): \(value)\n" }
        let widened = s.optimizers.map { optimizer in
            let tried = choices.filter { $0.optimizer == optimizer }.map(\.trials.count).reduce(0, +)
            return "\(optimizer.rawValue) \(max(0, tried - s.searchBudget.trials))"
        }
        out += "- widening trials run: \(widened.joined(separator: ", "))\n"
        out += "\n## Choices\n\nEach cell's rate and warm-up chosen by final validation accuracy at seed \(s.seeds[0]), "
        out += "then rerun at seeds \(s.seeds.dropFirst().map(String.init).joined(separator: ", ")); mean ± sample standard deviation "
        out += "(range) over the seeds that finished, the chosen trial's seed among them (so its validation mean leans high; "
        out += "the test column does not, since the test set never chose). The test accuracy is reported, never used to choose. "
        out += "`recipes.json` holds the choices: `lars-study --recipes \(s.output)/recipes.json` runs a study from them.\n\n"
        out += "| optimizer | batch | rate (x centre) | warm-up (epochs) | validation | test | grid |\n"
        out += "|---|---:|---|---:|---|---|---|\n"
        for c in choices {
            out += "| \(c.optimizer.rawValue) | \(c.batch) | "
            guard let chosen = c.chosen else {
                let note = c.isDecided ? "no trial finished" : "pending (\(c.trials.filter { $0.state == .pending }.count) trials to run)"
                out += "\(note) | | | | |\n"
                continue
            }
            out += "\(shortNumber(chosen.run.learningRate)) (x\(shortNumber(chosen.run.rateFactor))) | \(shortNumber(chosen.run.warmupEpochs)) | "
            out += "\(c.validation?.percentText ?? "") | \(c.test?.percentText ?? "") | \(edgeText(c.edges)) |\n"
        }
        out += "\n## The grid\n\nFinal validation accuracy (%) of every trial at seed \(s.seeds[0]); **bold**: the choice; "
        out += "`diverged`, `failed` or blank (pending) otherwise.\n"
        for c in choices { out += "\n" + gridTable(c) }
        return out
    }

    /// `inside` or `widen the grid: the highest rate, the longest warm-up`.
    static func edgeText(_ edges: [GridEdge]) -> String {
        edges.isEmpty ? "inside" : "**\(widenAdvice)**: " + edges.map(\.summary).joined(separator: ", ")
    }

    /// One cell's trials as a table: a row per rate, a column per warm-up.
    static func gridTable(_ c: SearchChoice) -> String {
        let rates = c.trials.map(\.run.learningRate).uniqued().sorted()
        let warmups = c.trials.map(\.run.warmupEpochs).uniqued().sorted()
        var out = "### \(c.optimizer.rawValue), batch \(c.batch)\n\n| rate \\ warm-up |"
        out += warmups.map { " \(shortNumber($0)) |" }.joined() + "\n|---:|" + String(repeating: "---:|", count: warmups.count) + "\n"
        for rate in rates {
            let factor = c.trials.first { $0.run.learningRate == rate }?.run.rateFactor ?? 1
            out += "| \(shortNumber(rate)) (x\(shortNumber(factor))) |"
            for warmup in warmups {
                let trial = c.trials.first { $0.run.learningRate == rate && $0.run.warmupEpochs == warmup }
                out += " \(trial.map { trialText($0, chosen: $0.run == c.chosen?.run) } ?? "") |"
            }
            out += "\n"
        }
        return out
    }

    /// `91.23`, `**91.23**` for the choice, `diverged`, `failed` or blank.
    static func trialText(_ r: RunResult, chosen: Bool) -> String {
        switch r.state {
        case .finished:
            let text = r.validationAccuracy.map { format($0 * 100, 2) } ?? "?"
            return chosen ? "**\(text)**" : text
        case .diverged, .failed: return r.state.rawValue
        case .pending: return ""
        }
    }
}

