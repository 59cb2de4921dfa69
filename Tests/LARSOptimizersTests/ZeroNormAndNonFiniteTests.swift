import LARSCore
import Testing

@testable import LARSOptimizers

/// The zero-norm rule (ratio 1: still moves, still decays, never NaN) and the non-finite policies.
@Suite struct ZeroNormAndNonFiniteTests {
    static func single(_ value: [Float], grad: [Float]) -> [NamedParameter] {
        let p = Parameter(Tensor(value), kind: .weight)
        p.grad = Tensor(grad)
        return [NamedParameter(name: "layer.weight", parameter: p)]
    }

    @Test(arguments: LARS.Denominator.allCases)
    func zeroInitialisedWeightMovesWithRatioOne(_ denominator: LARS.Denominator) throws {
        let params = Self.single([0, 0, 0], grad: [0.5, -1, 2])
        let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 0.1), options: .init(denominator: denominator))
        let report = try lars.step(learningRate: 0.1, context: ExecutionContext())
        // lambda = 1, v = 0.1 * (g + 0.1 * 0), w = -v.
        #expect(params[0].parameter.value.scalars == [-0.05, 0.1, -0.2])
        #expect(report.parameters[0].trustRatio == 1)
        #expect(report.parameters[0].weightNorm == 0)
        // Next step: the weight is no longer zero, so the ratio is the real one and finite.
        let second = try lars.step(learningRate: 0.1, context: ExecutionContext())
        #expect(second.parameters[0].trustRatio.isFinite && second.parameters[0].trustRatio < 1)
        #expect(params[0].parameter.value.scalars.allSatisfy { $0.isFinite })
    }

    @Test(arguments: LARS.Denominator.allCases)
    func zeroGradientStillDecays(_ denominator: LARS.Denominator) throws {
        let params = Self.single([1, -2, 2], grad: [0, 0, 0])
        let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 0.1), options: .init(denominator: denominator))
        let report = try lars.step(learningRate: 0.5, context: ExecutionContext())
        // Paper form: ‖g‖ = 0 -> ratio 1, v = 0.5 * 0.1 * w: the weight shrinks by 5 %.
        // Update-norm form: ‖0 + 0.1 w‖ > 0, so the ratio is eta*‖w‖/(0.1‖w‖) = eta/beta = 0.01.
        let expectedRatio: Float = denominator == .paper ? 1 : 0.01
        #expect(abs(report.parameters[0].trustRatio - expectedRatio) < 1e-7)
        let shrink = 1 - 0.5 * expectedRatio * 0.1
        let expected: [Float] = [1, -2, 2].map { $0 * shrink }
        #expect(zip(params[0].parameter.value.scalars, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func zeroWeightAndZeroGradientStayFinite() throws {
        let params = Self.single([0, 0], grad: [0, 0])
        for optimizer: any Optimizer in [
            LARS(groups: ParameterGroup.byKind(params, weightDecay: 0.1)),
            LAMB(groups: ParameterGroup.byKind(params, weightDecay: 0.1)),
        ] {
            let report = try optimizer.step(learningRate: 1, context: ExecutionContext())
            #expect(params[0].parameter.value.scalars == [0, 0])
            #expect(report.parameters.allSatisfy { $0.trustRatio == 1 && $0.effectiveLearningRate == 1 })
        }
    }

    @Test func lambZeroInitialisedWeightUsesRatioOne() throws {
        let params = Self.single([0, 0], grad: [3, -4])
        let lamb = LAMB(groups: ParameterGroup.byKind(params, weightDecay: 0.01))
        let report = try lamb.step(learningRate: 0.1, context: ExecutionContext())
        // First Adam direction with bias correction is g/(|g| + eps) ~ sign(g).
        #expect(report.parameters[0].trustRatio == 1)
        #expect(params[0].parameter.value.scalars.map { ($0 * 1000).rounded() / 1000 } == [-0.1, 0.1])
    }

    static let nonFinite: [Float] = [.nan, .infinity, -.infinity]

    @Test(arguments: nonFinite)
    func throwErrorNamesTheParameterAndChangesNothing(_ bad: Float) throws {
        let params = Fixture.parameters()
        params[0].parameter.grad = Tensor([0.1, 0.1, 0.1])
        params[1].parameter.grad = Tensor([bad, 0])
        let optimizers: [any Optimizer] = [
            LARS(groups: ParameterGroup.byKind(params, weightDecay: 0.01)),
            LAMB(groups: ParameterGroup.byKind(params, weightDecay: 0.01)),
            // Every optimizer's default is .throwError.
            SGD(groups: ParameterGroup.byKind(params, weightDecay: 0.01)),
            AdamW(groups: ParameterGroup.byKind(params, weightDecay: 0.01)),
        ]
        for optimizer in optimizers {
            #expect(throws: OptimizerError.self) { try optimizer.step(learningRate: 0.1, context: ExecutionContext()) }
            do {
                try optimizer.step(learningRate: 0.1, context: ExecutionContext())
            } catch let error as OptimizerError {
                guard case let .nonFiniteGradient(_, name) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(name == "fc.bias")
                #expect(error.description.contains("fc.bias"))
            }
            #expect(params[0].parameter.value.scalars == Fixture.weight)
            #expect(optimizer.stepCount == 0)
        }
    }

    @Test(arguments: nonFinite, backends)
    func nonFiniteInsideALongVectorIsFound(_ bad: Float, _ backend: String) throws {
        // 100 elements: the bad value sits in the SIMD part of the sums, not the scalar tail.
        var gradient = [Float](repeating: 0.01, count: 100)
        gradient[37] = bad
        let params = Self.single([Float](repeating: 1, count: 100), grad: gradient)
        for options in [LARS.Options(), LARS.Options(nonFiniteGradients: .skipStep)] {
            let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 1e-4), options: options)
            if options.nonFiniteGradients == .throwError {
                #expect(throws: OptimizerError.nonFiniteGradient(optimizer: "LARS", parameter: "layer.weight")) {
                    try lars.step(learningRate: 1, context: Self.context(backend))
                }
            } else {
                #expect(try lars.step(learningRate: 1, context: Self.context(backend)).skipped)
            }
            #expect(params[0].parameter.value.scalars.allSatisfy { $0 == 1 })
        }
    }

    @Test func skipStepLeavesEverythingUnchanged() throws {
        let params = Fixture.parameters()
        let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 0.01), options: .init(nonFiniteGradients: .skipStep))
        params[0].parameter.grad = Tensor([0.1, 0.1, 0.1])
        params[1].parameter.grad = Tensor([1, 1])
        try lars.step(learningRate: 0.1, context: ExecutionContext())
        let before = lars.state()
        let values = params.map(\.parameter.value)
        params[0].parameter.grad = Tensor([0.1, .nan, 0.1])
        let report = try lars.step(learningRate: 0.1, context: ExecutionContext())
        #expect(report.skipped && report.skippedBecauseOf == "fc.weight")
        #expect(lars.state() == before)
        #expect(params.map(\.parameter.value) == values)
        #expect(lars.stepCount == 1)
    }

    static let backends: [String] = ["openblas", "swift"]

    static func context(_ backend: String) -> ExecutionContext {
        backend == "swift" ? ExecutionContext(backend: SwiftBackend.tuned) : ExecutionContext()
    }

    @Test(arguments: backends)
    func hugeButFiniteGradientsAreNotMistakenForOverflow(_ backend: String) throws {
        // Squares of 1e30 overflow Float; the norm must fall back to the scaled nrm2.
        let params = Self.single([1e30, -1e30], grad: [3e30, 4e30])
        let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 0))
        let report = try lars.step(learningRate: 1, context: Self.context(backend))
        let record = report.parameters[0]
        #expect(abs(record.gradientNorm / 5e30 - 1) < 1e-6)
        #expect(abs(record.weightNorm / (1e30 * Float(2).squareRoot()) - 1) < 1e-6)
        #expect(abs(record.trustRatio - 0.001 * record.weightNorm / record.gradientNorm) < 1e-9)
    }

    @Test(arguments: backends)
    func tinyWeightsKeepAccurateNorms(_ backend: String) throws {
        // Squares of 1e-25 underflow to zero in Float; the norm must still be ~1.414e-25.
        let params = Self.single([1e-25, 1e-25], grad: [1, 0])
        let lars = LARS(groups: ParameterGroup.byKind(params, weightDecay: 0))
        let report = try lars.step(learningRate: 1, context: Self.context(backend))
        #expect(abs(report.parameters[0].weightNorm / (1e-25 * Float(2).squareRoot()) - 1) < 1e-6)
    }
}
