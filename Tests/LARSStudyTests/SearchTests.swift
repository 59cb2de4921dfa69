import Foundation
import Testing
@testable import LARSStudy

/// `lars-study --search`: the same grid for every optimizer, the choice by validation accuracy
/// only, the reruns aggregated over seeds, and the edge flag.
struct SearchTests {
    /// A search of SGD and LARS at batch 256: 3 rates x 2 warm-ups (1 and 2 epochs of 4), seeds 1 and 2.
    static var settings: StudySettings {
        var s = StudySettings(output: "/s")
        s.mode = .search
        s.optimizers = [.sgd, .lars]
        s.batches = [256]
        s.seeds = [1, 2]
        s.epochs = 4
        s.searchCount = 3
        s.warmupGrid = WarmupGrid(count: 2)
        return s
    }

    /// `run` finished with the given accuracies (or ended in `state`).
    static func result(_ run: StudyRun, validation: Double?, test: Double?, state: RunState = .finished) -> RunResult {
        var r = RunResult(run: run, epochs: 4, directory: "/s/cells/\(run.directoryName)")
        r.validationAccuracy = validation
        r.finalTestAccuracy = test
        r.state = state
        return r
    }

    @Test func everyOptimizerGetsTheSameGridOfRatesAndWarmUps() throws {
        var s = StudySettings(output: "/s")
        s.mode = .search
        s.optimizers = [.sgd, .lars, .lamb, .adamw]
        s.batches = [64, 2048]
        s.seeds = StudySettings.defaultSearchSeeds
        s.epochs = 10
        s.searchCount = StudySettings.defaultSearchRates
        try s.validate()
        let trials = s.runs
        #expect(trials == s.searchTrials && trials.count == 4 * 2 * 5 * 3)
        #expect(s.warmupGrid.lengths(batch: 64, epochs: 10) == [1.25, 2.5, 5])
        #expect(WarmupGrid().lengths(batch: 64, epochs: 4) == [0.5, 1, 2])
        #expect(WarmupGrid(count: 1).lengths(batch: 4096, epochs: 4) == [StudyRecipes.warmupEpochs(batch: 4096, epochs: 4)])
        for optimizer in s.optimizers {
            let mine = trials.filter { $0.optimizer == optimizer }
            #expect(mine.count == s.searchBudget.trials)
            for batch in s.batches {
                let grid = Set(mine.filter { $0.batch == batch }.map { "\($0.rateFactor) \($0.warmupEpochs)" })
                let sgd = Set(trials.filter { $0.optimizer == .sgd && $0.batch == batch }.map { "\($0.rateFactor) \($0.warmupEpochs)" })
                #expect(grid == sgd && grid.count == 15)
            }
            let centre = StudyRecipes.learningRate(optimizer, batch: 64)
            let rates = mine.filter { $0.batch == 64 }.map(\.learningRate).uniqued()
            #expect(rates.count == 5 && abs(rates[2] - centre) <= centre * 1e-3)
        }
        #expect(trials.allSatisfy { $0.seed == 1 && $0.source == .search && $0.directoryName.contains("-w") })
        #expect(s.searchBudget.line.hasPrefix("every optimizer: 30 trials (2 batches x 5 rates x 3 warm-ups, first seed) + 2 reruns"))
    }

    @Test func theChoiceFollowsValidationAccuracyWhereTheTestSetWouldChooseOtherwise() throws {
        let s = Self.settings
        // Validation rises along the grid, test accuracy falls: the two argmaxes differ.
        let results = s.searchTrials.enumerated().map { i, run in
            Self.result(run, validation: 0.80 + Double(i % 6) * 0.01, test: 0.95 - Double(i % 6) * 0.01)
        }
        let choices = SearchSelection.choices(results, settings: s)
        #expect(choices.count == 2)
        for c in choices {
            let chosen = try #require(c.chosen)
            let bestTest = c.trials.max { ($0.finalTestAccuracy ?? 0) < ($1.finalTestAccuracy ?? 0) }!
            #expect(chosen.run != bestTest.run)
            #expect(chosen.validationAccuracy == c.trials.compactMap(\.validationAccuracy).max())
            #expect(chosen.run.rateFactor == 2 && chosen.run.warmupEpochs == 2)
        }
        // A diverged trial never wins, whatever it logged; a cell with a pending trial has no choice yet.
        var mixed = results
        mixed[5].state = .diverged
        #expect(SearchSelection.choices(mixed, settings: s)[0].chosen?.run == results[4].run)
        mixed[0].state = .pending
        #expect(SearchSelection.choices(mixed, settings: s)[0].chosen == nil)
        #expect(s.reruns(of: SearchSelection.choices(mixed, settings: s)).map(\.optimizer) == [.lars])
    }

    @Test func theChoiceIsRerunAtEverySeedAndReportedWithItsSpread() throws {
        var s = Self.settings
        s.seeds = [1, 2, 3]
        let trials = s.searchTrials.filter { $0.optimizer == .sgd }.enumerated().map { i, run in
            Self.result(run, validation: i == 2 ? 0.90 : 0.5, test: 0.89)
        }
        let reruns = s.reruns(of: SearchSelection.choices(trials, settings: s))
        #expect(reruns.map(\.seed) == [2, 3])
        #expect(reruns.allSatisfy { $0.learningRate == trials[2].run.learningRate && $0.warmupEpochs == trials[2].run.warmupEpochs })
        let results = trials + [
            Self.result(reruns[0], validation: 0.92, test: 0.91), Self.result(reruns[1], validation: 0.94, test: 0.93),
        ]
        let choice = try #require(SearchSelection.choices(results, settings: s).first)
        #expect(choice.seedRuns.map(\.run.seed) == [1, 2, 3])
        let validation = try #require(choice.validation)
        #expect(abs(validation.mean - 0.92) < 1e-12 && abs(validation.standardDeviation - 0.02) < 1e-12 && validation.count == 3)
        #expect(validation.percentText == "92.00 ± 2.00 % (90.00-94.00, 3 seeds)")
        #expect(abs(choice.test!.mean - (0.89 + 0.91 + 0.93) / 3) < 1e-12)
        let csv = SearchOutputs.csv(results, choices: [choice], settings: s).split(separator: "\n")
        #expect(csv[0] == "optimizer,batch,learning_rate,rate_factor,warmup_epochs,seed,role,validation_accuracy,test_accuracy,state,chosen,reason,directory")
        #expect(csv.count == 1 + 6 + 2)
        #expect(csv.filter { $0.contains(",rerun,") && $0.contains(",true,") }.count == 2)
        #expect(csv[3].hasPrefix("sgd,256,0.1,1,1,1,trial,90.00,89.00,finished,true,,"))
    }

    @Test func aChoiceOnTheGridsEdgeSaysToWidenIt() throws {
        let s = Self.settings
        // SGD peaks at the highest rate and the shortest warm-up; LARS inside (of a 3 x 2 grid the
        // warm-up is always on an edge, so LARS is checked on its rate only).
        let results = s.searchTrials.map { run in
            let peak = run.optimizer == .sgd ? (run.rateFactor == 2 && run.warmupEpochs == 1) : run.rateFactor == 1
            return Self.result(run, validation: peak ? 0.9 : 0.8, test: 0.85)
        }
        let choices = SearchSelection.choices(results, settings: s)
        #expect(choices[0].edges == [.highestRate, .shortestWarmup])
        #expect(!choices[1].edges.contains(.lowestRate) && !choices[1].edges.contains(.highestRate))
        let header = StudyHeader(settings: s, machine: "m")
        let text = SearchOutputs.markdown(choices, header: header)
        #expect(text.contains("| sgd | 256 | 0.2 (x2) | 1 | 90.00 ± 0.00 % (1 seed) | 85.00 ± 0.00 % (1 seed) | **widen the grid**: the highest rate, the shortest warm-up |"), "\(text)")
        #expect(text.contains("| rate \\ warm-up | 1 | 2 |") && text.contains("| 0.2 (x2) | **90.00** | 80.00 |"), "\(text)")
        #expect(text.contains("budget: every optimizer: 6 trials"))
        #expect(text.contains("the search chooses each cell's rate and warm-up by their accuracy, never the test set's"))
        var inside = s
        inside.warmupGrid = WarmupGrid(count: 3)
        let grid = inside.searchTrials.filter { $0.optimizer == .sgd }.map { Self.result($0, validation: 0.8, test: 0.8) }
        let centre = try #require(grid.first { $0.run.rateFactor == 1 && $0.run.warmupEpochs == 1 })
        #expect(SearchSelection.edges(of: centre.run, trials: grid, settings: inside).isEmpty)
        #expect(SearchOutputs.edgeText([]) == "inside")
    }

    @Test func aSearchThatCannotRunIsRefusedWithAClearMessage() {
        func message(_ change: (inout StudySettings) -> Void) -> String {
            var s = Self.settings
            change(&s)
            do { try s.validate() } catch { return "\(error)" }
            return "accepted"
        }
        #expect(message { _ in } == "accepted")
        #expect(message { $0.seeds = [1] }.contains("--search reruns each choice over at least 2 seeds"))
        #expect(message { $0.warmupGrid = WarmupGrid(count: 9) }.contains("--warmup-search must be in 1...8, got 9"))
        #expect(message { $0.warmupGrid = WarmupGrid(lengths: [1, 3]) }.contains("--warmups: 3 epochs is outside 0...2"))
        #expect(message { $0.warmupGrid = WarmupGrid(lengths: [1, 1]) }.contains("--warmups names a length twice"))
        #expect(message { $0.extraArguments = ["--warmup-epochs", "3"] }.contains("--extra may not hold --warmup-epochs in a search"))
        #expect(message { $0.recipes = RecipeBook(search: Self.settings, choices: []) }.contains("give one of them"))
    }
}
