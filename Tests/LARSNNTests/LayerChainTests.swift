import Testing
import LARSNN
import LARSTestSupport

/// A container written outside the library that runs BatchNorm then ReLU through `LayerChain`
/// and knows nothing of fusion.
final class NormalizedActivation: Layer {
    let bn: BatchNorm
    let relu = ReLU()
    init(_ bn: BatchNorm) { self.bn = bn }
    var sublayers: [(name: String, layer: any Layer)] { [("bn", bn), ("relu", relu)] }
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        LayerChain.forward([bn, relu], input, context: context)
    }
    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        LayerChain.backward([bn, relu], outputGradient, context: context)
    }
}

/// Fusion is decided in `LayerChain` alone: a user's container gets the fused BatchNorm + ReLU
/// on oneDNN, with the results of the unfused pair.
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct LayerChainTests {
    static let oneDNN = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: true)
    static let reference = ExecutionContext(threads: 2, convolutionEngine: .im2col)

    @Test func aUsersContainerGetsTheFusedBatchNormAndReLU() {
        var g = SeededGenerator(seed: 3)
        let x = Tensor(normal: [3, 4, 5, 5], mean: 0.2, generator: &g)
        let dy = Tensor(normal: [3, 4, 5, 5], generator: &g)
        let (fusedBN, referenceBN) = (BatchNorm(featureCount: 4), BatchNorm(featureCount: 4))
        let container = NormalizedActivation(fusedBN)
        let reference = NormalizedActivation(referenceBN)
        let y = container.forward(x, context: Self.oneDNN)
        let yReference = reference.forward(x, context: Self.reference)
        #expect(y.scalars.contains(0) && y.scalars.contains { $0 > 0 })
        #expect(maxAbsoluteError(y.scalars, yReference.scalars) < 2e-5)
        let dx = container.backward(dy, context: Self.oneDNN)
        let dxReference = reference.backward(dy, context: Self.reference)
        #expect(scaledError(dx.scalars, dxReference.scalars) < 2e-5)
        #expect(scaledError(fusedBN.scale.grad.scalars, referenceBN.scale.grad.scalars) < 1e-5)
        #expect(scaledError(fusedBN.shift.grad.scalars, referenceBN.shift.grad.scalars) < 1e-5)
        // The container ran oneDNN's fused primitive, which BatchNorm alone does not use: a
        // direct call on the same shape needs a primitive of its own.
        #expect(fusedBN.oneDNNShapeCount == 1)
        _ = fusedBN.forward(x, context: Self.oneDNN)
        #expect(fusedBN.oneDNNShapeCount == 2)
    }

    @Test func aReLURunAloneAfterAFusedPassAppliesItsOwnMask() {
        var g = SeededGenerator(seed: 4)
        let x = Tensor(normal: [2, 3, 4, 4], generator: &g)
        let container = NormalizedActivation(BatchNorm(featureCount: 3))
        _ = container.forward(x, context: Self.oneDNN)
        let y = container.relu.forward(x, context: Self.oneDNN)
        #expect(y.scalars == x.scalars.map { max($0, 0) })
        let dx = container.relu.backward(Tensor(ones: [2, 3, 4, 4]), context: Self.oneDNN)
        #expect(dx.scalars == x.scalars.map { $0 > 0 ? 1 : 0 })
    }
}
