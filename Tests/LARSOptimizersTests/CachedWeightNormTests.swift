import LARSCore
import Testing

@testable import LARSOptimizers

/// LARS reuses Σw² summed inside its previous update as ‖w‖; these tests check that the reuse
/// never changes a step: the cached sum has the bits of a fresh measurement, and any write to
/// the weights from outside (assignment, in-place mutation) or a `restore` drops it.
@Suite struct CachedWeightNormTests {
    /// Sizes that exercise the 16-element blocks, an 8..15 tail and a tail below 8.
    static let sizes = [16, 37, 100, 5, 64]

    static func parameters(seed: UInt64) -> [NamedParameter] {
        var generator = SeededGenerator(seed: seed)
        return sizes.enumerated().map { k, n in
            let p = Parameter(Tensor(normal: [n], standardDeviation: 0.5, generator: &generator), kind: k == 3 ? .bias : .weight)
            return NamedParameter(name: "p\(k)", parameter: p)
        }
    }

    static func fillGradients(_ parameters: [NamedParameter], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for p in parameters {
            p.parameter.grad = Tensor(normal: p.parameter.value.shape, standardDeviation: 0.05, generator: &generator)
        }
    }

    /// A copy with the same values and gradients in new `Parameter` objects.
    static func clone(_ parameters: [NamedParameter]) -> [NamedParameter] {
        parameters.map { p in
            let copy = Parameter(p.parameter.value, kind: p.parameter.kind)
            copy.grad = p.parameter.grad
            return NamedParameter(name: p.name, parameter: copy)
        }
    }

    /// Takes one step with `optimizer` and one with a fresh LARS restored from its state, on a
    /// clone of the same values and gradients, and expects identical weights and reports.
    static func expectStepEqualsFreshOptimizer(
        _ optimizer: LARS, _ parameters: [NamedParameter], options: LARS.Options, seed: UInt64
    ) throws {
        fillGradients(parameters, seed: seed)
        let twin = clone(parameters)
        let fresh = LARS(groups: ParameterGroup.byKind(twin, weightDecay: 1e-2), options: options)
        try fresh.restore(optimizer.state())
        let context = ExecutionContext()
        let a = try optimizer.step(learningRate: 0.3, context: context)
        let b = try fresh.step(learningRate: 0.3, context: context)
        for (x, y) in zip(parameters, twin) {
            #expect(x.parameter.value.scalars == y.parameter.value.scalars, "\(x.name)")
        }
        #expect(a.parameters == b.parameters)
    }

    @Test(arguments: [NormSchedule.checked, .unchecked])
    func cachedNormGivesTheSameStepAsAFreshMeasurement(_ policy: NormSchedule) throws {
        let options = LARS.Options(trustCoefficient: 0.05, nonFiniteGradients: policy.policy)
        let parameters = Self.parameters(seed: 1)
        let lars = LARS(groups: ParameterGroup.byKind(parameters, weightDecay: 1e-2), options: options)
        for step in 0..<3 {
            Self.fillGradients(parameters, seed: UInt64(10 + step))
            try lars.step(learningRate: 0.3, context: ExecutionContext())
        }
        for i in parameters.indices { #expect(lars.cachedWeightSquares(i) != nil) }
        try Self.expectStepEqualsFreshOptimizer(lars, parameters, options: options, seed: 20)
    }

    @Test(arguments: [NormSchedule.checked, .unchecked])
    func outsideWritesInvalidateTheCachedNorm(_ policy: NormSchedule) throws {
        let options = LARS.Options(trustCoefficient: 0.05, nonFiniteGradients: policy.policy)
        let parameters = Self.parameters(seed: 2)
        let lars = LARS(groups: ParameterGroup.byKind(parameters, weightDecay: 1e-2), options: options)
        for step in 0..<2 {
            Self.fillGradients(parameters, seed: UInt64(30 + step))
            try lars.step(learningRate: 0.3, context: ExecutionContext())
        }
        // Replace one value, scale another in place, write one element of a third: each changes
        // ‖w‖, so a stale norm would change the trust ratio and the step.
        var generator = SeededGenerator(seed: 3)
        parameters[0].parameter.value = Tensor(normal: [Self.sizes[0]], standardDeviation: 2, generator: &generator)
        parameters[1].parameter.value.withUnsafeMutableBufferPointer { w in
            for i in w.indices { w[i] *= 3 }
        }
        parameters[2].parameter.value.scalars[0] += 10
        for i in 0..<3 { #expect(lars.cachedWeightSquares(i) == nil) }
        #expect(lars.cachedWeightSquares(4) != nil)
        try Self.expectStepEqualsFreshOptimizer(lars, parameters, options: options, seed: 40)
    }

    @Test func restoreDropsTheCachedNorm() throws {
        let parameters = Self.parameters(seed: 4)
        let lars = LARS(groups: ParameterGroup.byKind(parameters, weightDecay: 1e-2))
        Self.fillGradients(parameters, seed: 50)
        try lars.step(learningRate: 0.3, context: ExecutionContext())
        #expect(lars.cachedWeightSquares(0) != nil)
        try lars.restore(lars.state())
        for i in parameters.indices { #expect(lars.cachedWeightSquares(i) == nil) }
    }

    @Test func inPlaceMutationKeepsTheStorageAndAdvancesTheVersion() {
        let parameter = Parameter(Tensor(zeros: [1000]), kind: .weight)
        parameter.value.withUnsafeMutableBufferPointer { $0[0] = 1 }  // make the storage unique
        let address = parameter.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        let version = parameter.valueVersion
        parameter.value.withUnsafeMutableBufferPointer { w in
            for i in w.indices { w[i] += 1 }
        }
        #expect(parameter.value.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == address)
        #expect(parameter.valueVersion != version)
        let afterMutation = parameter.valueVersion
        _ = parameter.value.withUnsafeBufferPointer { $0[0] }  // reading does not count
        #expect(parameter.valueVersion == afterMutation)
        parameter.value = Tensor(zeros: [3])
        #expect(parameter.valueVersion != afterMutation)
    }
}

/// The two ways LARS schedules its norms: all before any update (non-finite check) or per tensor.
enum NormSchedule: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case checked, unchecked
    var policy: NonFiniteGradientPolicy { self == .checked ? .throwError : .unchecked }
    var testDescription: String { rawValue }
}
