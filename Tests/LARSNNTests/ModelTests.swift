import Testing
import LARSNN
import LARSTestSupport

/// Model structure (parameter counts and names) and backend equality of a whole ResNet step.
@Suite struct ModelTests {
    @Test func resNet20HasTheExpectedParameterCount() {
        var g = SeededGenerator(seed: 1)
        let model = Models.resNet(depth: 20, generator: &g)
        // stem 3*16*9 + BN 2*16; stage1: 3 blocks of two 16->16 convs + 2 BNs;
        // stage2: block0 16->32 and 32->32 convs, projection 1x1 16->32 + BN, 2 more blocks;
        // stage3 likewise with 64 channels; fc 64*10 + 10.
        let stage1 = 3 * (2 * 16 * 16 * 9 + 2 * 2 * 16)
        let stage2 = (16 * 32 * 9 + 32 * 32 * 9 + 2 * 2 * 32 + 16 * 32 + 2 * 32) + 2 * (2 * 32 * 32 * 9 + 2 * 2 * 32)
        let stage3 = (32 * 64 * 9 + 64 * 64 * 9 + 2 * 2 * 64 + 32 * 64 + 2 * 64) + 2 * (2 * 64 * 64 * 9 + 2 * 2 * 64)
        let expected = 3 * 16 * 9 + 2 * 16 + stage1 + stage2 + stage3 + 64 * 10 + 10
        #expect(expected == 272_474)
        #expect(model.parameterCount == 272_474)
        // Deeper variants follow 6n + 2.
        #expect(Models.resNet(depth: 32, generator: &g).parameterCount > model.parameterCount)
    }

    @Test func resNetNamesAreStableAndDotted() {
        var g = SeededGenerator(seed: 1)
        let model = Models.resNet(depth: 20, inputChannels: 1, imageSize: 28, generator: &g)
        let names = model.namedParameters.map(\.name)
        #expect(Set(names).count == names.count)
        for name in ["stem.weight", "bn.scale", "stage1.block0.conv1.weight", "stage1.block2.bn2.shift",
                     "stage2.block0.shortcut.conv.weight", "stage2.block0.shortcut.bn.scale",
                     "stage3.block0.shortcut.bn.shift", "fc.weight", "fc.bias"] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(!names.contains("stage2.block1.shortcut.conv.weight"))
        let buffers = model.namedBuffers.map(\.name)
        #expect(buffers.contains("stage1.block0.bn1.runningMean"))
        #expect(buffers.contains("stage3.block0.shortcut.bn.runningVariance"))
        #expect(buffers.count == 2 * (1 + 9 * 2 + 2))
        let kinds = Dictionary(model.namedParameters.map { ($0.name, $0.parameter.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds["stage2.block0.shortcut.bn.scale"] == .normScale)
        #expect(kinds["stage1.block0.conv1.weight"] == .weight)
        #expect(kinds["fc.bias"] == .bias)
    }

    @Test func smallCNNShapesAndParameterCount() {
        var g = SeededGenerator(seed: 2)
        let model = Models.smallCNN(generator: &g)
        #expect(model.parameterCount == 288 + 64 + 18_432 + 128 + (3136 * 128 + 128) + (128 * 10 + 10))
        let y = model.forward(Tensor(normal: [2, 1, 28, 28], generator: &g), context: ExecutionContext(isTraining: false))
        #expect(y.shape == [2, 10])
        let cifar = Models.smallCNN(inputChannels: 3, imageSize: 32, generator: &g)
        #expect(cifar.forward(Tensor(normal: [1, 3, 32, 32], generator: &g), context: ExecutionContext(isTraining: false)).shape == [1, 10])
    }

    @Test func resNetAcceptsTwentyEightPixelImages() {
        var g = SeededGenerator(seed: 3)
        let model = Models.resNet(depth: 20, inputChannels: 1, imageSize: 28, generator: &g)
        let y = model.forward(Tensor(normal: [2, 1, 28, 28], generator: &g), context: ExecutionContext(isTraining: false))
        #expect(y.shape == [2, 10])
    }

    @Test func sameSeedBuildsTheSameModel() {
        var a = SeededGenerator(seed: 11)
        var b = SeededGenerator(seed: 11)
        let m1 = Models.resNet(depth: 20, generator: &a)
        let m2 = Models.resNet(depth: 20, generator: &b)
        #expect(m1.parameters.map(\.value) == m2.parameters.map(\.value))
    }

    @Test func resNet20StepAgreesAcrossBackendsAndEngines() {
        var g = SeededGenerator(seed: 42)
        let x = Tensor(normal: [4, 3, 32, 32], generator: &g)
        let labels = [3, 1, 4, 1]
        var results: [(logits: Tensor, inputGrad: Tensor, grads: [Tensor])] = []
        for backend in BackendChoice.allCases {
            var seed = SeededGenerator(seed: 7)
            let model = Models.resNet(depth: 20, generator: &seed)
            // The classifier at He-normal scale, the bound's setting below: with the built-in
            // PyTorch-scale classifier the loss gradient is flatter and one rounding flip weighs more.
            let fc = model.namedParameters.first { $0.name == "fc.weight" }!.parameter
            let he = WeightInitializer.heNormal.make(shape: [10, 64], fanIn: 64, fanOut: 10, generator: &seed)
            fc.withValues { v in for i in 0..<v.count { v[i] = he.scalars[i] } }
            let context = backend.context()
            let logits = model.forward(x, context: context)
            let (_, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
            let dx = model.backward(dLogits, context: context)
            results.append((logits, dx, model.parameters.map(\.grad)))
        }
        // Every backend and engine (im2col + Swift gemm, oneDNN) against im2col + OpenBLAS.
        let a = results[0]
        for (index, b) in results.enumerated().dropFirst() {
            let name = BackendChoice.allCases[index]
            #expect(maxRelativeError(a.logits.scalars, b.logits.scalars, floor: 1e-2) < 1e-3, "\(name)")
            // The stem skips dL/dx, so the model returns an empty input gradient on both backends.
            #expect(a.inputGrad.shape == b.inputGrad.shape)
            // Relative L2 error per gradient tensor, with a floor from the model's typical gradient
            // size for tensors whose own norm is small. Summation order differs between the
            // backends, so a ReLU input within rounding of zero can switch on one backend only.
            // Confirmed here: in a debug build (where the tuned gemm picks its 6x16 FMA kernel)
            // the output ReLU of stage1.block0 gets bn2 + skip = 2.4e-7 (one ulp of the O(1)
            // addends) on OpenBLAS and 0 on the Swift gemm for one element (image 2, channel 13,
            // y 10, x 23); its upstream gradient -1.3e-3 passes on one backend only, which is the
            // whole 0.56% on stage1.block0.bn2.shift and the 0.3% on the tensors before it. In a
            // release build (6x8 kernel) nothing flips and every tensor agrees to ~1e-6. A flip
            // moves only the tensors upstream of it, and how far depends on the summation order
            // (oneDNN's changes with the threads it gets: 1.1 % in one CI run), so the worst tensor
            // is bounded at 5e-2 and the median one at 1e-2; a wrong backward pass gives errors of
            // order 1 in every tensor of the layer it is wrong in.
            var squares: Double = 0
            var entries = 0
            for ga in a.grads { for v in ga.scalars { squares += Double(v) * Double(v) }; entries += ga.count }
            let typical = (squares / Double(entries)).squareRoot()
            var errors: [Double] = []
            for (ga, gb) in zip(a.grads, b.grads) {
                var difference: Double = 0
                var norm: Double = 0
                for i in 0..<ga.count {
                    let d = Double(ga.scalars[i]) - Double(gb.scalars[i])
                    difference += d * d
                    norm += Double(ga.scalars[i]) * Double(ga.scalars[i])
                }
                let floor = 0.1 * typical * Double(ga.count).squareRoot()
                errors.append(difference.squareRoot() / max(norm.squareRoot(), floor))
            }
            let sorted = errors.sorted()
            #expect(sorted.last! < 5e-2, "\(name): worst relative L2 gradient difference \(sorted.last!)")
            #expect(sorted[sorted.count / 2] < 1e-2, "\(name): median relative L2 gradient difference \(sorted[sorted.count / 2])")
        }
    }
}
