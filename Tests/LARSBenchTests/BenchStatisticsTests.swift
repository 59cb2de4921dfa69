import Testing
@testable import lars_bench
import SwiftLARS

/// lars-bench's timing statistics (one quantile definition: linear interpolation between order
/// statistics) and its optimizer oracle (OpenBLAS against the naive Swift backend).
@Suite struct BenchStatisticsTests {
    @Test func quantilesInterpolateBetweenOrderStatistics() {
        let sample = TimingSample(times: [5, 1, 4, 2, 3])
        #expect(sample.median == 3 && sample.q1 == 2 && sample.q3 == 4)
        #expect(sample.min == 1 && sample.max == 5 && sample.reps == 5)
        // Four values: the median falls halfway between the middle two, the quartiles at 1/4 and 3/4.
        let even = TimingSample(times: [0.4, 0.1, 0.3, 0.2])
        #expect(abs(even.median - 0.25) < 1e-15)
        #expect(abs(even.q1 - 0.175) < 1e-15 && abs(even.q3 - 0.325) < 1e-15)
        let single = TimingSample(times: [7])
        #expect(single.median == 7 && single.q1 == 7 && single.q3 == 7 && single.reps == 1)
    }

    @Test func optimizerOracleAcceptsEveryOptimizer() throws {
        try OptimizerGroup.check()
    }

    @Test func optimizerOracleNamesTheParameterThatDiffers() {
        let a = OptimizerGroup.model(seed: 4), b = OptimizerGroup.model(seed: 4)
        #expect(throws: Never.self) { try OptimizerGroup.requireAgreement(a.namedParameters, b.namedParameters, kind: "SGD") }
        let victim = b.namedParameters[5]
        victim.parameter.withValues { $0[0] += 1e-2 }
        do {
            try OptimizerGroup.requireAgreement(a.namedParameters, b.namedParameters, kind: "SGD")
            Issue.record("a changed weight passed the oracle")
        } catch let error as BenchCheckError {
            #expect(error.message.contains(victim.name))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func optimizerOracleModelsHaveGradientsInTheirFlatStore() {
        let model = OptimizerGroup.model(seed: 3)
        let store = ParameterStore.shared(by: model.parameters)
        #expect(store != nil)
        #expect(model.parameters.allSatisfy { $0.grad.scalars.contains { $0 != 0 } })
    }
}
