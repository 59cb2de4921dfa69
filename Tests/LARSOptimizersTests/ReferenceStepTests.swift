import LARSTestSupport
import Testing

@testable import LARSOptimizers

/// Three steps of every optimizer and option against independently computed Double values.
@Suite struct ReferenceStepTests {
    static let larsCases: [(String, LARS.Options)] = [
        ("lars.paper", .init(trustCoefficient: 0.1)),
        ("lars.updateNorm", .init(trustCoefficient: 0.1, denominator: .updateNorm)),
        ("lars.nesterov", .init(trustCoefficient: 0.1, nesterov: true)),
        ("lars.afterMomentum", .init(trustCoefficient: 0.1, placement: .afterMomentum)),
        ("lars.afterMomentum.nesterov", .init(trustCoefficient: 0.1, nesterov: true, placement: .afterMomentum)),
        ("lars.clip", .init(trustCoefficient: 0.1, rateMode: .clip)),
        ("lars.clip.afterMomentum", .init(trustCoefficient: 0.1, placement: .afterMomentum, rateMode: .clip)),
        ("lars.epsilon", .init(trustCoefficient: 0.1, epsilon: 0.1)),
        ("lars.defaultEta", .init()),
    ]

    static func expectMatches(_ name: String, _ actual: [[Float]], tolerance: Float = 2e-6) {
        let expected = referenceValues[name]!
        for step in 0..<3 {
            let error = maxRelativeError(actual[step], expected[step], floor: 1e-3)
            #expect(error < tolerance, "\(name) step \(step + 1): got \(actual[step]), expected \(expected[step])")
        }
    }

    @Test(arguments: larsCases.map(\.0))
    func larsOption(_ name: String) throws {
        let options = Self.larsCases.first { $0.0 == name }!.1
        Self.expectMatches(name, try Fixture.run { LARS(groups: $0, options: options) })
    }

    @Test func defaultOptionsAreAlgorithmOne() {
        let options = LARS.Options()
        #expect(options.trustCoefficient == 0.001)
        #expect(options.epsilon == 0)
        #expect(options.momentum == 0.9)
        #expect(options.denominator == .paper)
        #expect(options.placement == .insideMomentum)
        #expect(options.rateMode == .scale)
        #expect(!options.nesterov)
    }

    @Test func firstStepByHand() throws {
        // Step 1 of the paper form, written out: ‖w‖ = sqrt(0.25 + 1 + 4) = 2.2913,
        // ‖g‖ = sqrt(0.01 + 0.04 + 0.09) = 0.37417, lambda = 0.1 * 2.2913 / (0.37417 + 0.022913)
        // = 0.57702, v = 1.0 * lambda * (g + 0.01 w), w - v.
        let values = try Fixture.run { LARS(groups: $0, options: .init(trustCoefficient: 0.1)) }
        let nw = Double(5.25).squareRoot(), ng = Double(0.14).squareRoot()
        let lambda = 0.1 * nw / (ng + 0.01 * nw)
        let w = [0.5, -1.0, 2.0], g = [0.1, 0.2, -0.3]
        let weight: [Float] = (0..<3).map { Float(w[$0] - lambda * (g[$0] + 0.01 * w[$0])) }
        let expected: [Float] = weight + [0.1 - 0.3, -0.2 + 0.1]
        #expect(maxRelativeError(values[0], expected, floor: 1e-3) < 2e-6)
    }

    @Test(arguments: [
        ("sgd.afterMomentum", MomentumPlacement.afterMomentum, false, Float(0.9)),
        ("sgd.insideMomentum", .insideMomentum, false, 0.9),
        ("sgd.nesterov", .afterMomentum, true, 0.9),
        ("sgd.plain", .afterMomentum, false, 0),
    ])
    func sgd(_ name: String, _ placement: MomentumPlacement, _ nesterov: Bool, _ momentum: Float) throws {
        Self.expectMatches(name, try Fixture.run {
            SGD(groups: $0, momentum: momentum, nesterov: nesterov, placement: placement)
        })
    }

    @Test func adamW() throws {
        Self.expectMatches("adamw", try Fixture.run { AdamW(groups: $0) }, tolerance: 1e-5)
        Self.expectMatches(
            "adamw.noBiasCorrection",
            try Fixture.run { AdamW(groups: $0, hyperparameters: .init(biasCorrection: false)) }, tolerance: 1e-5)
    }

    @Test func lamb() throws {
        Self.expectMatches("lamb", try Fixture.run { LAMB(groups: $0) }, tolerance: 1e-5)
        Self.expectMatches("lamb.clamp", try Fixture.run { LAMB(groups: $0, weightNormClamp: 0...1.5) }, tolerance: 1e-5)
    }

    @Test func learningRateMultiplierScalesTheGroupRate() throws {
        // Doubling a group's multiplier is the same as doubling the rate for that group only.
        let a = Fixture.parameters(), b = Fixture.parameters()
        var groupsA = ParameterGroup.byKind(a, weightDecay: 0.01)
        groupsA[0].learningRateMultiplier = 2
        let sgdA = SGD(groups: groupsA, momentum: 0)
        let sgdB = SGD(groups: [ParameterGroup.byKind(b, weightDecay: 0.01)[0]], momentum: 0)
        for p in a + b { p.parameter.grad = Tensor(repeating: 0.5, shape: p.parameter.value.shape) }
        try sgdA.step(learningRate: 0.1, context: ExecutionContext())
        try sgdB.step(learningRate: 0.2, context: ExecutionContext())
        #expect(a[0].parameter.value == b[0].parameter.value)
        #expect(a[1].parameter.value.scalars == [0.1 - 0.05, -0.2 - 0.05])
    }
}
