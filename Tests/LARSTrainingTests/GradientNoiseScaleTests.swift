import Foundation
import Testing
import LARSCore
@testable import LARSTraining

/// Per-example gradients drawn from N(mu, diag(variances)): B_simple = Σ variances / |mu|².
struct GaussianGradients {
    var mean: [Double]
    var variances: [Double]
    var generator: SeededGenerator

    var noiseScale: Double { variances.reduce(0, +) / mean.reduce(0) { $0 + $1 * $1 } }

    mutating func standardNormal() -> Double {
        // Box-Muller from two uniforms in (0, 1].
        let u1 = (Double(generator.next() >> 11) + 1) / 9_007_199_254_740_992
        let u2 = Double(generator.next() >> 11) / 9_007_199_254_740_992
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// The mean gradient of `count` examples.
    mutating func batchMean(_ count: Int) -> [Double] {
        var sum = [Double](repeating: 0, count: mean.count)
        for _ in 0..<count {
            for i in mean.indices { sum[i] += mean[i] + variances[i].squareRoot() * standardNormal() }
        }
        return sum.map { $0 / Double(count) }
    }
}

func squaredNorm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }

@Suite struct GradientNoiseScaleTests {
    @Test func theTwoBatchEstimatesInvertTheExpectedSquaredNorms() throws {
        // E|G_B|² = |G|² + tr(Σ)/B: with |G|² = 5 and tr(Σ) = 500 the expected norms at 16 and 64
        // examples are 36.25 and 12.8125, from which the estimator recovers both exactly.
        let e = try #require(GradientNoiseScale.estimates(
            smallSquaredNorm: 5 + 500.0 / 16, smallBatch: 16, bigSquaredNorm: 5 + 500.0 / 64, bigBatch: 64))
        #expect(abs(e.gradientSquaredNorm - 5) < 1e-12)
        #expect(abs(e.trace - 500) < 1e-9)
        #expect(GradientNoiseScale.estimates(smallSquaredNorm: 1, smallBatch: 64, bigSquaredNorm: 1, bigBatch: 64) == nil)
        #expect(GradientNoiseScale.estimates(smallSquaredNorm: .nan, smallBatch: 8, bigSquaredNorm: 1, bigBatch: 64) == nil)
    }

    @Test func theAveragedEstimateConvergesToTraceOverSquaredMean() {
        // 20 coordinates, |mu|² = 5, tr(Σ) = 20 x 25 = 500: B_simple = 100. Steps of 64 examples
        // as four micro-batches of 16, as the trainer measures them.
        var source = GaussianGradients(
            mean: [Double](repeating: 0.5, count: 20), variances: [Double](repeating: 25, count: 20),
            generator: SeededGenerator(seed: 2018))
        var estimator = GradientNoiseScale(decay: 0.999)
        for _ in 0..<3000 {
            let micro = (0..<4).map { _ in source.batchMean(16) }
            let big = (0..<20).map { i in micro.reduce(0) { $0 + $1[i] } / 4 }
            let small = micro.map(squaredNorm).reduce(0, +) / 4
            estimator.add(smallSquaredNorm: small, smallBatch: 16, bigSquaredNorm: squaredNorm(big), bigBatch: 64)
        }
        let simple = estimator.simple ?? .nan
        // Within 15 % of 100 for this seed: the per-step |G|² estimate has a spread of about
        // 4 around 5, averaged over roughly 1,000 effective steps.
        #expect(abs(simple - source.noiseScale) < 0.15 * source.noiseScale, "B_simple \(simple), expected \(source.noiseScale)")
        #expect(abs((estimator.trace ?? 0) - 500) < 50)
        #expect(estimator.count == 3000)
    }

    @Test func nothingIsReportedBeforeAStepOrWhileTheGradientIsLostInNoise() {
        var estimator = GradientNoiseScale()
        #expect(estimator.simple == nil && estimator.gradientSquaredNorm == nil)
        // |G_small|² below what the big batch's noise alone explains: the |G|² estimate is negative.
        estimator.add(smallSquaredNorm: 1, smallBatch: 16, bigSquaredNorm: 0.4, bigBatch: 32)
        #expect((estimator.gradientSquaredNorm ?? 1) < 0)
        #expect(estimator.simple == nil)
    }

    @Test func theDifferenceKernelMatchesALoopAndCopies() {
        var g = SeededGenerator(seed: 5)
        for n in [0, 1, 15, 16, 17, 100] {
            let a = (0..<n).map { _ in g.nextFloat(in: -1, 1) }
            var b = (0..<n).map { _ in g.nextFloat(in: -1, 1) }
            let expected = zip(a, b).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            let got = a.withUnsafeBufferPointer { pa in
                b.withUnsafeMutableBufferPointer { pb in
                    squaredDifferenceThenCopy(count: n, pa.baseAddress ?? UnsafePointer(bitPattern: 16)!, pb.baseAddress ?? UnsafeMutablePointer(bitPattern: 16)!)
                }
            }
            #expect(abs(got - expected) <= 1e-5 * max(1, expected), "n \(n)")
            #expect(b == a)
        }
    }
}

@Suite struct NoiseScaleInTrainingTests {
    @Test func aRunWithMicroBatchesLogsTheNoiseScalePerEpoch() throws {
        var c = quickConfiguration(output: temporaryDirectory("noise"), epochs: 2)
        c.microBatchLimit = 16  // batch 32 in two passes
        let trainer = try trained(c)
        #expect(trainer.plan.microBatches == 2)
        #expect(trainer.noiseScale.count == trainer.step)
        let header = try String(contentsOfFile: trainer.files.metrics, encoding: .utf8).split(separator: "\n")[0]
        #expect(header.hasSuffix(",noise_scale"))
        // The epoch's value is the running estimate at its end, as metrics.csv logs it.
        #expect(trainer.history.last?.noiseScale == trainer.noiseScale.simple)
        let lastRow = try String(contentsOfFile: trainer.files.metrics, encoding: .utf8).split(separator: "\n").last ?? ""
        let logged = lastRow.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) ?? "?"
        #expect(logged == (trainer.noiseScale.simple.map { format($0, 1) } ?? ""))
    }

    @Test func aOnePassStepIsMeasuredOnlyWhenAskedToSplit() throws {
        var c = quickConfiguration(output: temporaryDirectory("noise-split"), epochs: 1)
        let whole = try trained(c)
        #expect(whole.plan.microBatches == 1)
        #expect(whole.noiseScale.count == 0)
        #expect(whole.history.allSatisfy { $0.noiseScale == nil })
        c.noiseScaleSplit = true
        c.outputDirectory = temporaryDirectory("noise-split-2")
        let split = try trained(c)
        #expect(split.plan.microBatches == 2)
        #expect(split.noiseScale.count == split.step)
    }
}
