import LARSCore
import LARSNN
import LARSTestSupport
import Testing

@testable import LARSOptimizers

/// Grouping on ResNet-20, LARS-without-adaptation against SGD, and gradient accumulation, on
/// real models from LARSNN.
@Suite struct ModelLevelTests {
    static func resNet20(seed: UInt64 = 7) -> Sequential { resNet(depth: 20, seed: seed) }

    /// ResNet-8 has every parameter kind of ResNet-20, projection shortcuts included, at a third
    /// of the size: enough for equality tests in a debug build.
    static func resNet(depth: Int = 8, seed: UInt64 = 7) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        return Models.resNet(depth: depth, inputChannels: 3, imageSize: 8, classes: 10, generator: &generator)
    }

    /// Gives every parameter a reproducible random gradient.
    static func fillGradients(_ parameters: [NamedParameter], seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for p in parameters {
            p.parameter.grad = Tensor(normal: p.parameter.value.shape, standardDeviation: 0.05, generator: &generator)
        }
    }

    @Test func defaultGroupsOnResNet20AdaptAndDecayExactlyConvAndDenseWeights() {
        let parameters = Self.resNet20().namedParameters
        let groups = ParameterGroup.byKind(parameters, weightDecay: 5e-4)
        #expect(groups.count == 2)
        let adapted = groups.filter { $0.usesTrustRatio && $0.weightDecay == 5e-4 }.flatMap(\.parameters)
        let excluded = groups.filter { !$0.usesTrustRatio && $0.weightDecay == 0 }.flatMap(\.parameters)
        #expect(adapted.count + excluded.count == parameters.count)

        // 1 stem conv + 18 block convs + 2 projection-shortcut convs + the dense layer.
        #expect(adapted.count == 22)
        #expect(adapted.allSatisfy { $0.parameter.kind == .weight && $0.parameter.value.rank >= 2 && $0.name.hasSuffix(".weight") })
        #expect(adapted.filter { $0.name.contains("shortcut") }.count == 2)
        #expect(adapted.contains { $0.name == "fc.weight" })

        // 21 BatchNorms (stem, 18 in blocks, 2 in shortcuts) x (scale, shift) + the dense bias.
        #expect(excluded.count == 43)
        #expect(excluded.allSatisfy { $0.parameter.kind != .weight && $0.parameter.value.rank == 1 })
        #expect(excluded.filter { $0.name.contains("shortcut") }.count == 4)
        #expect(excluded.filter { $0.parameter.kind == .bias }.map(\.name) == ["fc.bias"])
    }

    @Test func splitByNameBuildsCustomGroups() {
        let parameters = Self.resNet().namedParameters
        let adapted = ParameterGroup.byKind(parameters, weightDecay: 5e-4)[0]
        var (head, body) = adapted.split("head") { $0.name.hasPrefix("fc.") }
        head.usesTrustRatio = false
        #expect(head.parameters.map(\.name) == ["fc.weight"])
        #expect(head.weightDecay == 5e-4 && !head.usesTrustRatio)
        #expect(body.name == "adapted" && body.parameters.count == 9 && body.usesTrustRatio)
    }

    @Test(arguments: MomentumPlacement.allCases, [false, true])
    func larsWithEveryParameterExcludedIsSGDBitForBit(_ placement: MomentumPlacement, _ nesterov: Bool) throws {
        let a = Self.resNet().namedParameters, b = Self.resNet().namedParameters
        let lars = LARS(
            groups: ParameterGroup.all(a, weightDecay: 0, usesTrustRatio: false),
            options: .init(nesterov: nesterov, placement: placement))
        let sgd = SGD(groups: ParameterGroup.all(b, weightDecay: 0), momentum: 0.9, nesterov: nesterov, placement: placement)
        let context = ExecutionContext()
        for (step, rate) in [Float(0.1), 0.07, 0.03].enumerated() {
            Self.fillGradients(a, seed: UInt64(100 + step))
            Self.fillGradients(b, seed: UInt64(100 + step))
            try lars.step(learningRate: rate, context: context)
            try sgd.step(learningRate: rate, context: context)
        }
        for (x, y) in zip(a, b) {
            #expect(x.parameter.value.scalars == y.parameter.value.scalars, "\(x.name) differs")
        }
        #expect(lars.state().tensors.values.map(\.scalars).sorted { $0.count < $1.count }.count == a.count)
    }

    /// Four micro-batches of two, each loss gradient scaled by the accumulator, leave the
    /// gradient of one batch of eight (a model without BatchNorm), and LARS takes the same step.
    @Test func gradientAccumulationEqualsOneLargeBatch() throws {
        func model() -> Sequential {
            var generator = SeededGenerator(seed: 3)
            return Sequential([
                ("fc1", Dense(inputCount: 5, outputCount: 4, generator: &generator)),
                ("relu", ReLU()),
                ("fc2", Dense(inputCount: 4, outputCount: 3, generator: &generator)),
            ])
        }
        var generator = SeededGenerator(seed: 11)
        let inputs = Tensor(normal: [8, 5], generator: &generator)
        let labels = [0, 2, 1, 1, 0, 2, 2, 1]
        let context = ExecutionContext()

        /// The mean cross-entropy's gradient of rows `range`, as the caller's loop computes it.
        func lossGradient(_ net: Sequential, _ range: Range<Int>) -> Tensor {
            let logits = net.forward(inputs.batch(range), context: context)
            return softmaxCrossEntropy(logits: logits, labels: Array(labels[range])).gradient
        }

        let big = model()
        _ = big.backward(lossGradient(big, 0..<8), context: context)
        let small = model()
        var accumulator = GradientAccumulator(microBatchesPerStep: 4)
        var ready: [Bool] = []
        for k in 0..<4 {
            var dy = lossGradient(small, (2 * k)..<(2 * k + 2))
            let scale = accumulator.scale(lossGradient: &dy)
            #expect(scale == 0.25)
            _ = small.backward(dy, context: context)
            ready.append(accumulator.microBatchFinished())
        }
        #expect(ready == [false, false, false, true])
        #expect(accumulator.pending == 0)
        for (x, y) in zip(big.namedParameters, small.namedParameters) {
            #expect(maxRelativeError(x.parameter.grad.scalars, y.parameter.grad.scalars, floor: 1e-4) < 1e-5, "\(x.name)")
        }

        let bigLARS = LARS(groups: ParameterGroup.byKind(big.namedParameters, weightDecay: 1e-3), options: .init(trustCoefficient: 0.01))
        let smallLARS = LARS(groups: ParameterGroup.byKind(small.namedParameters, weightDecay: 1e-3), options: .init(trustCoefficient: 0.01))
        try bigLARS.step(learningRate: 0.5, context: context)
        try smallLARS.step(learningRate: 0.5, context: context)
        for (x, y) in zip(big.namedParameters, small.namedParameters) {
            #expect(maxRelativeError(x.parameter.value.scalars, y.parameter.value.scalars, floor: 1e-4) < 1e-5, "\(x.name)")
        }
    }

    /// A process's share of a micro-batch weighs by its images over the micro-batch's, over k;
    /// the loss gradient is scaled element by element, and `reset` forgets a started step.
    @Test func theLossGradientScaleIsTheShareOfTheStep() {
        var accumulator = GradientAccumulator(microBatchesPerStep: 2)
        #expect(accumulator.lossGradientScale(images: 3, of: 8) == Float(3) / 8 / 2)
        #expect(accumulator.lossGradientScale(images: 0, of: 0) == 0)
        var dy = Tensor(shape: [2, 2], scalars: [1, -2, 4, 8])
        let scale = accumulator.scale(lossGradient: &dy, images: 4, of: 8)
        #expect(scale == 0.25 && dy.scalars == [0.25, -0.5, 1, 2])
        var finished = [accumulator.microBatchFinished()]
        accumulator.reset()
        finished += [accumulator.microBatchFinished(), accumulator.microBatchFinished()]
        #expect(finished == [false, false, true])
    }
}
