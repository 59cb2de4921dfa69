import Testing
import LARSTestSupport

@testable import LARSTraining

/// The memory estimate made before the first step. Its measurement reads the process's heap,
/// which other tests running in parallel disturb: it is tested through the shipped lars-train
/// (`LarsTrainRefusalTests`), alone in its process.
@Suite struct MemoryEstimateTests {
    @Test func theFittingMicroBatchIsTheInverseOfThePeak() {
        let estimate = MemoryEstimate(bytesPerImage: 1_000_000, imagesPerPass: 512, residentBytes: 200_000_000, stateBytes: 10_000_000)
        #expect(estimate.peakBytes == 200_000_000 + 10_000_000 + 640_000_000)
        #expect(estimate.imagesFitting(in: estimate.peakBytes) == 512)
        #expect(estimate.imagesFitting(in: 100) == 0)
    }
}
