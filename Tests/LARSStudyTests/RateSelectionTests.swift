import Testing
@testable import LARSStudy

/// The rate search chooses by validation accuracy, never by test accuracy.
struct RateSelectionTests {
    static func result(
        _ optimizer: StudyOptimizer, rate: Double, factor: Double, validation: Double?, test: Double?,
        state: RunState = .finished
    ) -> RunResult {
        let run = StudyRun(optimizer: optimizer, batch: 512, learningRate: rate, rateFactor: factor, warmupEpochs: 1, seed: 1)
        var r = RunResult(run: run, epochs: 2, directory: "/tmp/\(run.directoryName)")
        r.validationAccuracy = validation
        r.finalTestAccuracy = test
        r.state = state
        return r
    }

    @Test func theBestValidationAccuracyWinsEvenWithALowerTestAccuracy() {
        let rows = [
            Self.result(.lars, rate: 1.5, factor: 0.5, validation: 0.80, test: 0.95),
            Self.result(.lars, rate: 3, factor: 1, validation: 0.85, test: 0.80),
            Self.result(.lars, rate: 6, factor: 2, validation: 0.90, test: 0.70),
            Self.result(.sgd, rate: 0.1, factor: 0.5, validation: 0.70, test: 0.70),
            Self.result(.sgd, rate: 0.2, factor: 1, validation: 0.60, test: 0.99),
        ]
        let marked = RateSelection.markSelected(rows)
        #expect(marked.filter(\.selected).map(\.run.learningRate) == [6, 0.1])
    }

    @Test func aDivergedRunIsNeverChosenOverAFinishedOne() {
        let rows = [
            Self.result(.sgd, rate: 0.4, factor: 2, validation: nil, test: nil, state: .diverged),
            Self.result(.sgd, rate: 0.2, factor: 1, validation: 0.5, test: 0.5),
            Self.result(.sgd, rate: 0.1, factor: 0.5, validation: 0.4, test: 0.4, state: .failed),
        ]
        #expect(RateSelection.markSelected(rows).filter(\.selected).map(\.run.learningRate) == [0.2])
    }

    @Test func aCellWithNothingFinishedShowsTheRulesRun() {
        let rows = [
            Self.result(.sgd, rate: 0.1, factor: 0.5, validation: nil, test: nil, state: .diverged),
            Self.result(.sgd, rate: 0.2, factor: 1, validation: nil, test: nil, state: .diverged),
            Self.result(.sgd, rate: 0.4, factor: 2, validation: nil, test: nil, state: .diverged),
        ]
        let marked = RateSelection.markSelected(rows)
        #expect(marked.filter(\.selected).map(\.run.rateFactor) == [1])
    }
}
