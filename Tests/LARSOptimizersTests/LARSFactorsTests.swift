import Testing

@testable import LARSOptimizers

/// `LARS.factors(for:options:)` on its own: the trust ratio and the momentum step's rates from
/// norms alone, no buffers.
@Suite struct LARSFactorsTests {
    static let layer = LARS.LayerInput(
        weightNorm: 2, gradientNorm: 0.5, decayedGradientNorm: 0.75, weightDecay: 0.01, learningRate: 0.4)

    @Test func paperFormula() {
        // lambda = eta*‖w‖ / (‖g‖ + beta*‖w‖) = 0.1*2 / (0.5 + 0.02); v gets gamma*lambda.
        let f = LARS.factors(for: Self.layer, options: .init(trustCoefficient: 0.1))
        let lambda: Float = 0.1 * 2 / (0.5 + 0.01 * 2)
        #expect(f.trustRatio == lambda)
        #expect(f.effectiveLearningRate == 0.4 * lambda)
        #expect(f.rates == MomentumRates(bufferRate: 0.4 * lambda, stepRate: 1))
    }

    @Test func updateNormDenominator() {
        let f = LARS.factors(for: Self.layer, options: .init(trustCoefficient: 0.1, denominator: .updateNorm))
        #expect(f.trustRatio == Float(0.1) * 2 / 0.75)
    }

    @Test func epsilonJoinsTheDenominator() {
        let f = LARS.factors(for: Self.layer, options: .init(trustCoefficient: 0.1, epsilon: 0.5))
        #expect(f.trustRatio == Float(0.1) * 2 / (0.5 + 0.01 * 2 + 0.5))
    }

    @Test(arguments: LARS.Denominator.allCases)
    func zeroNormsGiveRatioOneAndNoNaN(_ denominator: LARS.Denominator) {
        let options = LARS.Options(denominator: denominator)
        for (nw, ng, nd): (Float, Float, Float) in [(0, 0, 0), (0, 1, 1), (1, 0, 0)] {
            let layer = LARS.LayerInput(weightNorm: nw, gradientNorm: ng, decayedGradientNorm: nd,
                                        weightDecay: 0, learningRate: 0.1)
            let f = LARS.factors(for: layer, options: options)
            #expect(f.trustRatio == 1 && f.effectiveLearningRate == 0.1, "‖w‖ \(nw), ‖g‖ \(ng)")
            #expect(!f.rates.bufferRate.isNaN && !f.rates.stepRate.isNaN)
        }
    }

    @Test func larcClipCapsTheLocalRateAtTheGlobalOne() {
        // lambda = 0.1*2/0.52 ~ 0.385: below gamma 0.4 it passes, above gamma 0.2 it is clipped.
        let lambda: Float = 0.1 * 2 / (0.5 + 0.01 * 2)
        let options = LARS.Options(trustCoefficient: 0.1, rateMode: .clip)
        #expect(LARS.factors(for: Self.layer, options: options).effectiveLearningRate == lambda)
        var low = Self.layer
        low.learningRate = 0.2
        let clipped = LARS.factors(for: low, options: options)
        #expect(clipped.effectiveLearningRate == 0.2 && clipped.trustRatio == lambda)
        // After the buffer (apex LARC): the buffer gets min(lambda/gamma, 1), the weights gamma.
        var after = options
        after.placement = .afterMomentum
        #expect(LARS.factors(for: low, options: after).rates == MomentumRates(bufferRate: 1, stepRate: 0.2))
        #expect(LARS.factors(for: Self.layer, options: after).rates == MomentumRates(bufferRate: lambda / 0.4, stepRate: 0.4))
    }

    @Test func excludedGroupIsPlainMomentumSGD() {
        var layer = Self.layer
        layer.usesTrustRatio = false
        let inside = LARS.factors(for: layer, options: .init())
        #expect(inside.trustRatio == 1 && inside.rates == MomentumRates(bufferRate: 0.4, stepRate: 1))
        let after = LARS.factors(for: layer, options: .init(placement: .afterMomentum))
        #expect(after.rates == MomentumRates(bufferRate: 1, stepRate: 0.4))
    }
}
