import Testing
import LARSNN
import LARSTestSupport

/// Finite-difference checks of dL/dx and every dL/dθ for every layer and block, on both backends.
@Suite struct LayerGradientTests {
    /// The layers under test, each with an input that suits it.
    enum Case: String, CaseIterable, Sendable, CustomStringConvertible {
        case dense, denseNoBias
        case conv3x3Stride1Pad1, conv3x3Stride2Pad1, conv3x3Stride1Pad0, conv1x1Stride2, convChunked
        // Stride 1, same padding, Cout <= C: dL/dx runs as a convolution with the flipped kernel.
        case conv3x3SameWidthChunked, conv1x1Narrowing
        case batchNorm2D, batchNormVector
        case relu, maxPool, maxPoolOddHeight, maxPoolOverlapping, avgPool, globalAvgPool, flatten
        case residualIdentity, residualProjection
        case smallSequential

        var description: String { rawValue }

        func make() -> (any Layer, Tensor) {
            var g = SeededGenerator(seed: 1234)
            switch self {
            case .dense:
                return (Dense(inputCount: 5, outputCount: 4, generator: &g), Tensor(normal: [3, 5], generator: &g))
            case .denseNoBias:
                return (Dense(inputCount: 6, outputCount: 3, bias: false, generator: &g), Tensor(normal: [2, 6], generator: &g))
            case .conv3x3Stride1Pad1:
                let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, bias: true, generator: &g)
                return (conv, Tensor(normal: [2, 2, 5, 5], generator: &g))
            case .conv3x3Stride2Pad1:
                let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 2, padding: 1, bias: true, generator: &g)
                return (conv, Tensor(normal: [2, 2, 6, 5], generator: &g))
            case .conv3x3Stride1Pad0:
                let conv = Conv2D(inputChannels: 3, outputChannels: 2, kernelSize: 3, stride: 1, padding: 0, bias: false, generator: &g)
                return (conv, Tensor(normal: [2, 3, 5, 6], generator: &g))
            case .conv1x1Stride2:
                let conv = Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 1, stride: 2, padding: 0, bias: false, generator: &g)
                return (conv, Tensor(normal: [2, 3, 5, 5], generator: &g))
            case .convChunked:
                // A tiny column budget forces one image per chunk: the chunked path must agree too.
                let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, bias: true, generator: &g)
                conv.columnBudget = 1
                return (conv, Tensor(normal: [3, 2, 4, 4], generator: &g))
            case .conv3x3SameWidthChunked:
                let conv = Conv2D(inputChannels: 3, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, bias: true, generator: &g)
                conv.columnBudget = 27 * 20 * 2  // two images per chunk, then one
                return (conv, Tensor(normal: [3, 3, 4, 5], generator: &g))
            case .conv1x1Narrowing:
                let conv = Conv2D(inputChannels: 4, outputChannels: 2, kernelSize: 1, stride: 1, padding: 0, bias: false, generator: &g)
                return (conv, Tensor(normal: [2, 4, 3, 5], generator: &g))
            case .batchNorm2D:
                let bn = BatchNorm(featureCount: 3)
                bn.scale.value = Tensor(normal: [3], mean: 1, standardDeviation: 0.3, generator: &g)
                bn.shift.value = Tensor(normal: [3], generator: &g)
                return (bn, Tensor(normal: [3, 3, 2, 2], mean: 0.5, standardDeviation: 2, generator: &g))
            case .batchNormVector:
                let bn = BatchNorm(featureCount: 4)
                bn.scale.value = Tensor(normal: [4], mean: 1, standardDeviation: 0.3, generator: &g)
                return (bn, Tensor(normal: [6, 4], generator: &g))
            case .relu:
                return (ReLU(), awayFromZero([2, 3, 4], generator: &g))
            case .maxPool:
                return (MaxPool2D(kernelSize: 2), distinctValues([2, 2, 4, 5], generator: &g))
            case .maxPoolOddHeight:
                return (MaxPool2D(kernelSize: 2), distinctValues([2, 1, 5, 4], generator: &g))
            case .maxPoolOverlapping:
                return (MaxPool2D(kernelSize: 3, stride: 2), distinctValues([1, 2, 5, 5], generator: &g))
            case .avgPool:
                return (AvgPool2D(kernelSize: 2), Tensor(normal: [2, 2, 4, 4], generator: &g))
            case .globalAvgPool:
                return (GlobalAvgPool2D(), Tensor(normal: [2, 3, 3, 2], generator: &g))
            case .flatten:
                return (Flatten(), Tensor(normal: [2, 3, 2, 2], generator: &g))
            case .residualIdentity:
                return (ResidualBlock(inputChannels: 3, outputChannels: 3, stride: 1, generator: &g),
                        Tensor(normal: [3, 3, 4, 4], generator: &g))
            case .residualProjection:
                return (ResidualBlock(inputChannels: 2, outputChannels: 4, stride: 2, generator: &g),
                        Tensor(normal: [3, 2, 5, 5], generator: &g))
            case .smallSequential:
                let model = Sequential([
                    ("conv", Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, padding: 1, generator: &g)),
                    ("bn", BatchNorm(featureCount: 2)),
                    ("pool", AvgPool2D(kernelSize: 2)),
                    ("flatten", Flatten()),
                    ("fc", Dense(inputCount: 8, outputCount: 3, generator: &g)),
                ])
                return (model, Tensor(normal: [3, 1, 4, 4], generator: &g))
            }
        }
    }

    @Test(arguments: Case.allCases, BackendChoice.allCases)
    func analyticGradientsMatchFiniteDifferences(_ testCase: Case, _ backend: BackendChoice) {
        let (layer, input) = testCase.make()
        // Blocks with ReLUs after BatchNorm have pre-activations near zero, where a step can
        // cross a kink: they use a 1e-3 step and accept the kink-free one-sided difference. The
        // Float forward then leaves ~1e-3 absolute noise in the quotient (eps * |L| / h), hence
        // the looser tolerance and the 0.05 floor below which differences count as noise.
        let isBlock = testCase.rawValue.hasPrefix("residual")
        let report = layerGradientReport(
            layer, input: input, backend: backend, step: isBlock ? 1e-3 : 1e-2, tolerance: isBlock ? 3e-2 : 1e-2,
            allowOneSided: isBlock, absoluteFloor: isBlock ? 5e-2 : 1e-3)
        if isBlock { #expect(report.oneSided <= report.checked / 20, "too many kinks: \(report)") }
        #expect(report.passed, "\(testCase) on \(backend): \(report)")
    }

    @Test(arguments: BackendChoice.allCases)
    func dropoutGradientUsesTheSameMask(_ backend: BackendChoice) {
        let dropout = Dropout(probability: 0.3, seed: 5)
        let start = dropout.generator
        var g = SeededGenerator(seed: 9)
        let input = Tensor(normal: [4, 6], generator: &g)
        let context = backend.context()
        // Rewinding the generator before each forward keeps the mask fixed, so the layer is linear.
        let report = checkGradients(
            input: input, parameters: [],
            forward: { dropout.generator = start; return dropout.forward($0, context: context) },
            backward: { dropout.backward($0, context: context) })
        #expect(report.passed, "\(report)")
    }

    @Test func dropoutIsIdentityInEvaluationAndScalesSurvivorsInTraining() {
        let dropout = Dropout(probability: 0.5, seed: 3)
        let input = Tensor(repeating: 1, shape: [1000])
        #expect(dropout.forward(input, context: ExecutionContext(isTraining: false)) == input)
        let out = dropout.forward(input, context: ExecutionContext(isTraining: true))
        #expect(out.scalars.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = out.scalars.filter { $0 == 2 }.count
        #expect(kept > 400 && kept < 600, "kept \(kept) of 1000")
        // Same seed, same mask.
        let again = Dropout(probability: 0.5, seed: 3).forward(input, context: ExecutionContext(isTraining: true))
        #expect(again == out)
    }

    @Test(arguments: BackendChoice.allCases)
    func gradientsAccumulateAcrossBackwardCalls(_ backend: BackendChoice) {
        var g = SeededGenerator(seed: 21)
        let conv = Conv2D(inputChannels: 2, outputChannels: 2, kernelSize: 3, padding: 1, generator: &g)
        let x = Tensor(normal: [2, 2, 3, 3], generator: &g)
        let context = backend.context()
        let y = conv.forward(x, context: context)
        let dy = Tensor(normal: y.shape, generator: &g)
        _ = conv.backward(dy, context: context)
        let once = conv.weight.grad
        _ = conv.backward(dy, context: context)
        #expect(maxRelativeError(conv.weight.grad.scalars, once.scalars.map { 2 * $0 }, floor: 1e-3) < 1e-5)
        conv.zeroGrad()
        #expect(conv.weight.grad.scalars.allSatisfy { $0 == 0 })
    }
}
