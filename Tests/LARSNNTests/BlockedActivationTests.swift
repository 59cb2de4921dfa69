import Testing
import LARSNN
import LARSTestSupport

/// Activations kept in oneDNN's channel-blocked layout between layers (the oneDNN engine's
/// default): which layers hand on blocked tensors, and that every layer on them computes what
/// it computes on NCHW (finite differences, agreement with the reference engine and with the
/// oneDNN engine in NCHW).
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct BlockedActivationTests {
    static let blocked = ExecutionContext(threads: 2, convolutionEngine: .onednn)
    static let plain = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: false)
    static let reference = ExecutionContext(threads: 2, convolutionEngine: .im2col)

    /// Two convolutions with the same weights.
    static func convolutionPair(_ cin: Int, _ cout: Int, stride: Int = 1, seed: UInt64) -> [Conv2D] {
        (0..<2).map { _ in
            var g = SeededGenerator(seed: seed)
            return Conv2D(inputChannels: cin, outputChannels: cout, kernelSize: 3, stride: stride, padding: 1, generator: &g)
        }
    }

    @Test func convolutionsHandOnBlockedActivationsWithReferenceValues() {
        var g = SeededGenerator(seed: 41)
        let x = Tensor(normal: [2, 3, 7, 7], generator: &g)
        let first = Self.convolutionPair(3, 16, seed: 1), second = Self.convolutionPair(16, 16, stride: 2, seed: 2)
        let h = first[0].forward(x, context: Self.blocked)
        #expect(h.layout.channelBlock != nil, "a 16-channel oneDNN output stays blocked")
        let y = second[0].forward(h, context: Self.blocked)
        #expect(y.layout == h.layout)
        let hRef = first[1].forward(x, context: Self.reference)
        let yRef = second[1].forward(hRef, context: Self.reference)
        #expect(scaledError(h.scalars, hRef.scalars) < 1e-5)
        #expect(scaledError(y.scalars, yRef.scalars) < 1e-5)
        // Gradients come back in the layout each layer was given, whatever layout dy has.
        let dy = Tensor(normal: y.shape, generator: &g)
        let dh = second[0].backward(dy, context: Self.blocked)
        #expect(dh.layout == h.layout)
        let dx = first[0].backward(dh, context: Self.blocked)
        #expect(dx.layout == .plain)
        let dxRef = first[1].backward(second[1].backward(dy, context: Self.reference), context: Self.reference)
        #expect(scaledError(dx.scalars, dxRef.scalars) < 1e-5)
        for pair in [first, second] {
            #expect(scaledError(pair[0].weight.grad.scalars, pair[1].weight.grad.scalars) < 1e-4)
            #expect(scaledError(pair[0].bias!.grad.scalars, pair[1].bias!.grad.scalars) < 1e-4)
        }
        // An empty batch (an evaluation remainder) gives an empty output, as on the reference.
        #expect(first[0].forward(Tensor(zeros: [0, 3, 7, 7]), context: Self.blocked.evaluating).shape == [0, 16, 7, 7])
        // Channels that do not fill whole blocks stay NCHW; so does every output when asked.
        #expect(Self.convolutionPair(3, 12, seed: 3)[0].forward(x, context: Self.blocked).layout == .plain)
        #expect(Self.convolutionPair(3, 16, seed: 3)[0].forward(x, context: Self.plain).layout == .plain)
    }

    @Test(arguments: [(8, 16, 2), (8, 8, 1)])
    func residualBlockOnBlockedActivationsPassesFiniteDifferences(_ shape: (Int, Int, Int)) {
        // A block between two oneDNN layers: its input arrives blocked, and so does its output's
        // gradient (the identity shortcut adds blocked to blocked, the projection reorders nothing).
        var g = SeededGenerator(seed: 42)
        let block = ResidualBlock(inputChannels: shape.0, outputChannels: shape.1, stride: shape.2, generator: &g)
        let x = Tensor(normal: [2, shape.0, 4, 4], generator: &g).stored(as: .channelBlocked(8))
        // On AVX2 the block's output keeps nChw8c; AVX-512 kernels may choose nChw16c (or, for
        // 8 channels, padded blocks this package keeps as NCHW).
        #expect(block.forward(x, context: Self.blocked).layout == x.layout || CPUInfo.current().hasAVX512)
        let report = checkGradients(
            input: x, parameters: block.namedParameters,
            forward: { block.forward($0, context: Self.blocked) },
            backward: { block.backward($0, context: Self.blocked).stored(as: .plain) },
            step: 3e-3, tolerance: 2e-2, absoluteFloor: 1e-2, checkInput: true, allowOneSided: true)
        #expect(report.passed, "\(report)")
    }

    @Test(arguments: [8, 16])
    func synchronisedBatchNormWalksBlockedTensorsLikeNCHW(_ block: Int) {
        // A reducer keeps BatchNorm in Swift; on a blocked input it walks the blocks itself.
        var g = SeededGenerator(seed: 43)
        let x = Tensor(normal: [3, 16, 4, 5], mean: 0.5, standardDeviation: 2, generator: &g)
        let layers = (0..<2).map { _ in
            let bn = BatchNorm(featureCount: 16)
            var p = SeededGenerator(seed: 9)
            bn.scale.value = Tensor(normal: [16], mean: 1, standardDeviation: 0.3, generator: &p)
            bn.shift.value = Tensor(normal: [16], generator: &p)
            bn.statisticsReducer = IdentityReducer()
            return bn
        }
        let y = layers[0].forward(x.stored(as: .channelBlocked(block)), context: Self.blocked)
        let yRef = layers[1].forward(x, context: Self.reference)
        #expect(y.layout == .channelBlocked(block))
        #expect(layers[0].oneDNNShapeCount == 0)
        #expect(scaledError(y.scalars, yRef.scalars) < 1e-6)
        let dy = Tensor(normal: x.shape, generator: &g)
        let dx = layers[0].backward(dy, context: Self.blocked)
        let dxRef = layers[1].backward(dy, context: Self.reference)
        #expect(dx.layout == .channelBlocked(block))
        #expect(scaledError(dx.scalars, dxRef.scalars) < 1e-5)
        for (a, b) in zip(layers[0].namedParameters, layers[1].namedParameters) {
            #expect(scaledError(a.parameter.grad.scalars, b.parameter.grad.scalars) < 1e-5, "\(a.name)")
        }
        for (a, b) in zip(layers[0].namedBuffers, layers[1].namedBuffers) {
            #expect(scaledError(a.buffer.value.scalars, b.buffer.value.scalars) < 1e-6, "\(a.name)")
        }
        let e = layers[0].forward(x.stored(as: .channelBlocked(16)), context: Self.blocked.evaluating)
        #expect(scaledError(e.scalars, layers[1].forward(x, context: Self.reference.evaluating).scalars) < 1e-6)
    }

    @Test func globalAveragePoolingReadsBlockedTensorsExactly() {
        var g = SeededGenerator(seed: 44)
        let x = Tensor(normal: [2, 16, 3, 5], generator: &g)
        let (a, b) = (GlobalAvgPool2D(), GlobalAvgPool2D())
        let y = a.forward(x.stored(as: .channelBlocked(8)), context: Self.blocked)
        #expect(y == b.forward(x, context: Self.reference))
        let dy = Tensor(normal: [2, 16], generator: &g)
        let dx = a.backward(dy, context: Self.blocked)
        #expect(dx.layout == .channelBlocked(8))
        #expect(dx == b.backward(dy, context: Self.reference))
    }

    @Test(arguments: [8, 16], [(2, 2), (3, 2), (2, 1)])
    func maxPoolingWalksBlockedTensorsExactly(_ block: Int, _ window: (Int, Int)) {
        // Blocked input runs the Swift walk on either engine; ties included, it equals NCHW.
        var g = SeededGenerator(seed: 47)
        var x = Tensor(normal: [2, 16, 7, 6], generator: &g)
        x[0, 3, 0, 1] = x[0, 3, 0, 0]  // a tie inside the first window
        let (a, b) = (MaxPool2D(kernelSize: window.0, stride: window.1), MaxPool2D(kernelSize: window.0, stride: window.1))
        for context in [Self.blocked, Self.reference] {
            let y = a.forward(x.stored(as: .channelBlocked(block)), context: context)
            let expected = b.forward(x, context: Self.reference)
            #expect(y.layout == .channelBlocked(block))
            #expect(y == expected)
            let dy = Tensor(normal: y.shape, generator: &g)
            let dx = a.backward(dy, context: context)
            #expect(dx.layout == .channelBlocked(block))
            #expect(dx == b.backward(dy, context: Self.reference))
        }
    }

    @Test(arguments: [8, 16])
    func averagePoolingRunsOneDNNOnBlockedTensors(_ block: Int) {
        var g = SeededGenerator(seed: 48)
        let x = Tensor(normal: [2, 16, 6, 7], generator: &g)
        let (a, b) = (AvgPool2D(kernelSize: 2), AvgPool2D(kernelSize: 2))
        let y = a.forward(x.stored(as: .channelBlocked(block)), context: Self.blocked)
        #expect(y.layout == .channelBlocked(block))
        #expect(scaledError(y.scalars, b.forward(x, context: Self.reference).scalars) < 1e-6)
        let dy = Tensor(normal: y.shape, generator: &g)
        let dx = a.backward(dy, context: Self.blocked)
        #expect(dx.layout == .channelBlocked(block))
        #expect(scaledError(dx.scalars, b.backward(dy, context: Self.reference).scalars) < 1e-6)
    }

    @Test func replicasOnBlockedActivationsMatchOneModel() {
        func make() -> Sequential {
            var g = SeededGenerator(seed: 45)
            return Models.resNet(depth: 8, inputChannels: 3, imageSize: 8, generator: &g)
        }
        let single = make()
        let replicas = DataParallel(count: 2, make: make)
        var g = SeededGenerator(seed: 46)
        let x = Tensor(normal: [6, 3, 8, 8], generator: &g)
        let y = [single.forward(x, context: Self.blocked), replicas.forward(x, context: Self.blocked)]
        #expect(scaledError(y[0].scalars, y[1].scalars) < 1e-4)
        let dy = Tensor(normal: y[0].shape, generator: &g)
        single.zeroGrad()
        replicas.zeroGrad()
        _ = single.backward(dy, context: Self.blocked)
        _ = replicas.backward(dy, context: Self.blocked)
        for (p, q) in zip(single.namedParameters, replicas.namedParameters) {
            #expect(scaledError(p.parameter.grad.scalars, q.parameter.grad.scalars) < 1e-3, "\(p.name)")
        }
    }
}
