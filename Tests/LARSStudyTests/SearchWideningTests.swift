import Foundation
import Testing
@testable import LARSStudy

/// A search widens a cell's rate grid past an edge choice, by the same rule for every optimizer,
/// until the choice is inside or the limit is reached.
struct SearchWideningTests {
    /// Reads every run as finished with the validation accuracy `accuracy` gives its optimizer and
    /// rate factor, a hair higher at longer warm-ups so that the longest (a limit, not an edge) is
    /// chosen (pending where it gives nil).
    static func reader(_ accuracy: @escaping (StudyOptimizer, Double) -> Double?) -> ([StudyRun]) -> [RunResult] {
        { runs in
            runs.map { run in
                let value = accuracy(run.optimizer, run.rateFactor)
                return SearchTests.result(
                    run, validation: value.map { $0 + run.warmupEpochs * 1e-5 }, test: 0.5, state: value == nil ? .pending : .finished)
            }
        }
    }

    @Test func aChoiceOnTheHighestRateTriesTwiceItAtItsWarmUpAndChoosesInside() throws {
        let s = SearchTests.settings  // SGD and LARS at 256: factors 0.5, 1, 2; warm-ups 1, 2
        // SGD peaks at x2 within the grid and falls beyond it; LARS peaks at x1.
        let read = Self.reader { optimizer, factor in
            optimizer == .sgd ? 0.9 - abs(log2(factor) - 1) * 0.01 : 0.9 - abs(log2(factor)) * 0.01
        }
        let trials = SearchWidening.trials(s, read: read)
        let added = Array(trials.dropFirst(s.searchTrials.count))
        #expect(added.map { "\($0.optimizer.rawValue) \(shortNumber($0.learningRate)) x\(shortNumber($0.rateFactor)) w\(shortNumber($0.warmupEpochs))" }
            == ["sgd 0.4 x4 w2"])
        #expect(added.allSatisfy { $0.seed == 1 && $0.source == .search && $0.directoryName.contains("-w") })
        let choices = SearchSelection.choices(read(trials), settings: s)
        #expect(choices[0].chosen?.run.rateFactor == 2 && choices[0].edges.allSatisfy { $0 != .highestRate && $0 != .lowestRate })
        #expect(choices[0].trials.count == 7 && choices[1].trials.count == 6)
        let text = SearchOutputs.markdown(choices, header: StudyHeader(settings: s, machine: "m"))
        #expect(text.contains("- widening trials run: sgd 1, lars 0"), "\(text)")
        #expect(text.contains("| 0.4 (x4) |  | 89.00 |"), "\(text)")
    }

    @Test func aChoiceThatKeepsToItsEdgeStopsAtTheLimitStillFlagged() throws {
        var s = SearchTests.settings
        s.searchWidenings = 2
        // Better and better at lower rates: LARS widens to x0.25, then x0.125, then stops.
        let read = Self.reader { optimizer, factor in optimizer == .lars ? 0.9 - factor * 0.01 : 0.9 - abs(log2(factor)) * 0.01 }
        let trials = SearchWidening.trials(s, read: read)
        let added = trials.dropFirst(s.searchTrials.count)
        #expect(added.map(\.rateFactor) == [0.25, 0.125] && added.allSatisfy { $0.optimizer == .lars })
        let choices = SearchSelection.choices(read(trials), settings: s)
        #expect(choices[1].chosen?.run.rateFactor == 0.125 && choices[1].edges.contains(.lowestRate))
        s.searchWidenings = 0
        #expect(SearchWidening.trials(s, read: read) == s.searchTrials)
    }

    @Test func aCellWithATrialStillToRunDoesNotWidenYet() {
        let s = SearchTests.settings
        let read = Self.reader { optimizer, factor in factor == 0.5 && optimizer == .sgd ? nil : 0.8 + factor * 0.01 }
        let added = SearchWidening.trials(s, read: read).dropFirst(s.searchTrials.count)
        // SGD waits for its pending trials; LARS, decided on its highest rate, widens to the limit.
        #expect(added.map(\.rateFactor) == [4, 8] && added.allSatisfy { $0.optimizer == .lars })
    }

    /// Inside the rates but on the shortest warm-up: half that warm-up at the chosen rate, twice
    /// (down to a quarter of the grid's shortest), never past the longest a run may have.
    @Test func aChoiceOnTheShortestWarmUpTriesHalfOfIt() throws {
        let s = SearchTests.settings  // warm-ups 1 and 2 of 4 epochs (2 is the longest allowed)
        let read: ([StudyRun]) -> [RunResult] = { runs in
            runs.map { run in
                let sgd = 0.9 - abs(log2(run.rateFactor)) * 0.01 - run.warmupEpochs * 0.001  // shorter is better
                let lars = 0.9 - abs(log2(run.rateFactor)) * 0.01 + run.warmupEpochs * 0.001  // the longest is best
                return SearchTests.result(run, validation: run.optimizer == .sgd ? sgd : lars, test: 0.5)
            }
        }
        let trials = SearchWidening.trials(s, read: read)
        let added = trials.dropFirst(s.searchTrials.count)
        #expect(added.map { "\($0.optimizer.rawValue) x\(shortNumber($0.rateFactor)) w\(shortNumber($0.warmupEpochs))" } == ["sgd x1 w0.5", "sgd x1 w0.25"])
        let choices = SearchSelection.choices(read(trials), settings: s)
        #expect(choices[0].chosen?.run.warmupEpochs == 0.25 && choices[0].edges == [.shortestWarmup])
        #expect(choices[1].chosen?.run.warmupEpochs == 2 && choices[1].edges.isEmpty)
    }
}
