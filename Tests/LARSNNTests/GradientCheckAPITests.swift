import LARSNN
import Testing

/// A layer written as a user would: `y[n, f] = x[n, f] * scale[f] + shift[f]` on `[N, F]`.
/// `wrongBackward` doubles the scale's gradient, the kind of slip the check must catch.
final class FeatureScale: Layer {
    let scale: Parameter
    let shift: Parameter
    let wrongBackward: Bool
    private var cachedInput: Tensor?

    init(features: Int, wrongBackward: Bool = false, generator: inout SeededGenerator) {
        scale = Parameter(Tensor(normal: [features], generator: &generator), kind: .weight)
        shift = Parameter(Tensor(normal: [features], generator: &generator), kind: .bias)
        self.wrongBackward = wrongBackward
    }

    var ownParameters: [(name: String, parameter: Parameter)] { [("scale", scale), ("shift", shift)] }

    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        if context.isTraining { cachedInput = input }
        let features = scale.value.count
        var output = input
        for i in 0..<input.count { output.scalars[i] = input.scalars[i] * scale.value.scalars[i % features] + shift.value.scalars[i % features] }
        return output
    }

    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let input = cachedInput else { fatalError("\(layerDescription): backward without a training-mode forward") }
        let features = scale.value.count
        var inputGradient = outputGradient
        for i in 0..<input.count {
            let f = i % features
            inputGradient.scalars[i] = outputGradient.scalars[i] * scale.value.scalars[f]
            scale.grad.scalars[f] += outputGradient.scalars[i] * input.scalars[i] * (wrongBackward ? 2 : 1)
            shift.grad.scalars[f] += outputGradient.scalars[i]
        }
        return inputGradient
    }
}

@Suite struct GradientCheckAPITests {
    @Test("GradientCheck passes a correct custom layer and names the parameter of a wrong backward")
    func customLayer() {
        var g = SeededGenerator(seed: 3)
        let input = Tensor(normal: [4, 6], generator: &g)
        let good = GradientCheck.check(FeatureScale(features: 6, generator: &g), input: input)
        #expect(good.passed && good.checked == 24 + 6 + 6, "\(good)")
        let model = Sequential([("head", FeatureScale(features: 6, wrongBackward: true, generator: &g))])
        let bad = GradientCheck.check(model, input: input)
        #expect(!bad.passed)
        #expect(Set(bad.mismatches.map(\.tensor)) == ["head.scale"], "\(bad)")
    }

    @Test("GradientCheck passes the built-in Conv2D (no bias: BatchNorm would cancel it) and BatchNorm in a small model")
    func builtInLayers() {
        var g = SeededGenerator(seed: 4)
        let model = Sequential([
            ("conv", Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, bias: false, generator: &g)),
            ("bn", BatchNorm(featureCount: 3)),
        ])
        let report = GradientCheck.check(model, input: Tensor(normal: [2, 2, 4, 4], generator: &g), maxEntriesPerTensor: 16)
        #expect(report.passed, "\(report)")
    }
}
