import Testing
import LARSNN
import LARSTestSupport

/// Whole models and fused blocks on the oneDNN engine (convolutions, BatchNorm with fused ReLU,
/// pooling): finite differences, agreement with the reference engine, determinism.
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct OneDNNModelTests {
    static let oneDNN = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: true)
    static let reference = ExecutionContext(threads: 2, convolutionEngine: .im2col)

    /// Finite-difference check of `layer` at `input` on the oneDNN engine. The step is small (the
    /// ReLUs and maxima have kinks a larger step would cross), so the rounding of the loss sets
    /// the floor under which entries are compared absolutely: oneDNN sums its batch statistics
    /// in Float (the reference in Double), which leaves ~1e-4 of noise in these differences.
    func gradientReport(_ layer: any Layer, _ input: Tensor) -> GradientCheckReport {
        checkGradients(
            input: input, parameters: layer.namedParameters,
            forward: { layer.forward($0, context: Self.oneDNN) },
            backward: { layer.backward($0, context: Self.oneDNN) },
            step: 3e-3, tolerance: 2e-2, absoluteFloor: 1e-2, checkInput: true, allowOneSided: true)
    }

    @Test func fusedBatchNormReLUAndPoolingPassFiniteDifferences() {
        var g = SeededGenerator(seed: 21)
        let bn = BatchNorm(featureCount: 3)
        bn.scale.value = Tensor(normal: [3], mean: 1, standardDeviation: 0.3, generator: &g)
        bn.shift.value = Tensor(normal: [3], mean: 0.3, generator: &g)
        let model = Sequential([
            ("bn", bn), ("relu", ReLU()), ("pool", MaxPool2D(kernelSize: 2)), ("avg", AvgPool2D(kernelSize: 2, stride: 1)),
        ])
        let report = gradientReport(model, distinctValues([3, 3, 6, 6], generator: &g))
        #expect(report.passed, "\(report)")
    }

    @Test func residualBlockWithFusedReLUPassesFiniteDifferences() {
        var g = SeededGenerator(seed: 22)
        let block = ResidualBlock(inputChannels: 2, outputChannels: 3, stride: 2, generator: &g)
        let report = gradientReport(block, Tensor(normal: [3, 2, 5, 5], generator: &g))
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: ["resnet20", "smallcnn"])
    func modelsAgreeAcrossEngines(_ name: String) {
        func make() -> Sequential {
            var g = SeededGenerator(seed: 31)
            return name == "resnet20"
                ? Models.resNet(depth: 20, inputChannels: 3, imageSize: 16, generator: &g)
                : Models.smallCNN(inputChannels: 1, imageSize: 12, generator: &g)
        }
        let models = [make(), make()]
        var g = SeededGenerator(seed: 32)
        let x = Tensor(normal: name == "resnet20" ? [4, 3, 16, 16] : [4, 1, 12, 12], generator: &g)
        let contexts = [Self.oneDNN, Self.reference]
        let y = zip(models, contexts).map { $0.forward(x, context: $1) }
        #expect(scaledError(y[0].scalars, y[1].scalars) < 1e-4, "logits")
        let dy = Tensor(normal: y[1].shape, generator: &g)
        for (model, context) in zip(models, contexts) {
            model.zeroGrad()
            _ = model.backward(dy, context: context)
        }
        let (a, b) = (models[0].namedParameters, models[1].namedParameters)
        #expect(a.map(\.name) == b.map(\.name))
        for (p, q) in zip(a, b) {
            #expect(scaledError(p.parameter.grad.scalars, q.parameter.grad.scalars) < 1e-3, "\(p.name)")
        }
        let (s, t) = (models[0].namedBuffers, models[1].namedBuffers)
        for (p, q) in zip(s, t) {
            #expect(scaledError(p.buffer.value.scalars, q.buffer.value.scalars) < 1e-4, "\(p.name)")
        }
        let e = zip(models, contexts).map { $0.forward(x, context: $1.evaluating) }
        #expect(scaledError(e[0].scalars, e[1].scalars) < 1e-4, "evaluation logits")
    }

    @Test func sameSeedGivesTheSameWeightsTwice() {
        // Three plain SGD steps of ResNet-20 on oneDNN, twice from the same seed: bit-identical.
        func train() -> [[Float]] {
            var g = SeededGenerator(seed: 41)
            let model = Models.resNet(depth: 20, inputChannels: 3, imageSize: 8, generator: &g)
            for _ in 0..<3 {
                let x = Tensor(normal: [4, 3, 8, 8], generator: &g)
                let y = model.forward(x, context: Self.oneDNN)
                model.zeroGrad()
                _ = model.backward(y.map { $0 * 0.1 }, context: Self.oneDNN)
                for p in model.namedParameters {
                    p.parameter.value = Tensor(
                        shape: p.parameter.value.shape,
                        scalars: zip(p.parameter.value.scalars, p.parameter.grad.scalars).map { $0 - 0.05 * $1 })
                }
            }
            return model.namedParameters.map(\.parameter.value.scalars) + model.namedBuffers.map(\.buffer.value.scalars)
        }
        let first = train()
        #expect(first == train())
    }
}
