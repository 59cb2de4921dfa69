import Testing
import LARSNN
import LARSTestSupport

/// BatchNorm on oneDNN's primitives against the reference (Swift) BatchNorm: training forward,
/// backward, running statistics and inference, and the fused BatchNorm + ReLU of the containers.
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct OneDNNBatchNormTests {
    static let oneDNN = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: true)
    static let reference = ExecutionContext(threads: 2, convolutionEngine: .im2col)

    /// Input shapes: batch 1, odd sizes, many channels, vectors.
    static let shapes: [[Int]] = [
        [1, 3, 5, 7], [2, 16, 8, 8], [7, 5, 3, 1], [3, 64, 4, 4], [1, 128, 3, 3], [4, 7, 9, 11], [5, 4], [9, 33],
    ]

    /// Two layers with the same random scale and shift, and a starting gradient to accumulate into.
    static func pair(_ channels: Int, seed: UInt64) -> [BatchNorm] {
        var g = SeededGenerator(seed: seed)
        let gamma = Tensor(normal: [channels], mean: 1, standardDeviation: 0.3, generator: &g)
        let beta = Tensor(normal: [channels], generator: &g)
        let start = Tensor(normal: [channels], generator: &g)
        return (0..<2).map { _ in
            let bn = BatchNorm(featureCount: channels)
            (bn.scale.value, bn.shift.value) = (gamma, beta)
            (bn.scale.grad, bn.shift.grad) = (start, start)
            return bn
        }
    }

    @Test(arguments: shapes.indices)
    func trainingForwardBackwardAndInferenceMatchTheReference(_ index: Int) {
        let shape = Self.shapes[index]
        var g = SeededGenerator(seed: UInt64(40 + index))
        let x = Tensor(normal: shape, mean: 0.7, standardDeviation: 1.5, generator: &g)
        let dy = Tensor(normal: shape, generator: &g)
        let layers = Self.pair(shape[1], seed: UInt64(index))
        let contexts = [Self.oneDNN, Self.reference]
        // Two steps, so that the running statistics compound.
        for _ in 0..<2 {
            let y = zip(layers, contexts).map { $0.forward(x, context: $1).scalars }
            #expect(maxAbsoluteError(y[0], y[1]) < 2e-5, "y \(shape)")
            let dx = zip(layers, contexts).map { $0.backward(dy, context: $1).scalars }
            #expect(scaledError(dx[0], dx[1]) < 2e-5, "dx \(shape)")
        }
        #expect(scaledError(layers[0].scale.grad.scalars, layers[1].scale.grad.scalars) < 1e-5, "dgamma \(shape)")
        #expect(scaledError(layers[0].shift.grad.scalars, layers[1].shift.grad.scalars) < 1e-5, "dbeta \(shape)")
        #expect(maxAbsoluteError(layers[0].runningMean.value.scalars, layers[1].runningMean.value.scalars) < 1e-6)
        #expect(
            maxRelativeError(layers[0].runningVariance.value.scalars, layers[1].runningVariance.value.scalars) < 1e-5)
        // Inference with the running statistics (and leaving them alone).
        let before = layers[0].runningVariance.value
        let z = zip(layers, contexts).map { $0.forward(x, context: $1.evaluating).scalars }
        #expect(maxAbsoluteError(z[0], z[1]) < 2e-5, "inference \(shape)")
        #expect(layers[0].runningVariance.value == before)
    }

    @Test func runningStatisticsFollowTheUnbiasedMomentumRule() {
        // Channel 0 holds 1, 2, 3, 4 (mean 2.5, unbiased variance 5/3); channel 1 holds 10, 10, 10, 14.
        let bn = BatchNorm(featureCount: 2, momentum: 0.25)
        _ = bn.forward(Tensor(shape: [4, 2], scalars: [1, 10, 2, 10, 3, 10, 4, 14]), context: Self.oneDNN)
        #expect(maxAbsoluteError(bn.runningMean.value.scalars, [0.625, 2.75]) < 1e-6)
        #expect(maxAbsoluteError(bn.runningVariance.value.scalars, [0.75 + 0.25 * 5 / 3, 0.75 + 0.25 * 4]) < 1e-6)
    }

    @Test func primitivesAreMadeOncePerShapeAndMode() {
        var g = SeededGenerator(seed: 9)
        let bn = BatchNorm(featureCount: 3)
        let x = Tensor(normal: [2, 3, 4, 4], generator: &g)
        let first = bn.forward(x, context: Self.oneDNN)
        _ = bn.forward(Tensor(normal: [2, 3, 4, 4], generator: &g), context: Self.oneDNN)
        _ = bn.backward(first, context: Self.oneDNN)
        #expect(bn.oneDNNShapeCount == 1)
        _ = bn.forward(x, context: Self.oneDNN.evaluating)
        _ = bn.forward(Tensor(normal: [3, 3, 4, 4], generator: &g), context: Self.oneDNN)
        #expect(bn.oneDNNShapeCount == 3)
    }

    @Test(arguments: [[3, 4, 5, 5], [1, 16, 6, 6], [6, 8]])
    func fusedReLUEqualsBatchNormThenReLU(_ shape: [Int]) {
        var g = SeededGenerator(seed: 77)
        let x = Tensor(normal: shape, mean: 0.2, generator: &g)
        let dy = Tensor(normal: shape, generator: &g)
        let layers = Self.pair(shape[1], seed: 5) + Self.pair(shape[1], seed: 5)
        let fused = Sequential([("bn", layers[0]), ("relu", ReLU())])
        let (unfused, reference) = ((layers[1], ReLU()), (layers[2], ReLU()))
        let yFused = fused.forward(x, context: Self.oneDNN)
        let yUnfused = unfused.1.forward(unfused.0.forward(x, context: Self.oneDNN), context: Self.oneDNN)
        let yReference = reference.1.forward(reference.0.forward(x, context: Self.reference), context: Self.reference)
        #expect(yFused.scalars.contains(0) && yFused.scalars.contains { $0 > 0 })
        #expect(maxAbsoluteError(yFused.scalars, yUnfused.scalars) < 1e-6, "forward \(shape)")
        #expect(maxAbsoluteError(yFused.scalars, yReference.scalars) < 2e-5, "forward vs reference \(shape)")
        let dxFused = fused.backward(dy, context: Self.oneDNN)
        let dxUnfused = unfused.0.backward(unfused.1.backward(dy, context: Self.oneDNN), context: Self.oneDNN)
        let dxReference = reference.0.backward(reference.1.backward(dy, context: Self.reference), context: Self.reference)
        #expect(scaledError(dxFused.scalars, dxUnfused.scalars) < 1e-5, "dx \(shape)")
        #expect(scaledError(dxFused.scalars, dxReference.scalars) < 2e-5, "dx vs reference \(shape)")
        for other in [layers[1], layers[2]] {
            #expect(scaledError(layers[0].scale.grad.scalars, other.scale.grad.scalars) < 1e-5, "dgamma \(shape)")
            #expect(scaledError(layers[0].shift.grad.scalars, other.shift.grad.scalars) < 1e-5, "dbeta \(shape)")
        }
        // Evaluation fuses too.
        let eFused = fused.forward(x, context: Self.oneDNN.evaluating)
        let eReference = reference.1.forward(
            reference.0.forward(x, context: Self.reference.evaluating), context: Self.reference.evaluating)
        #expect(maxAbsoluteError(eFused.scalars, eReference.scalars) < 2e-5)
        // The Sequential ran fused primitives (training, evaluation), which a direct call does not use.
        #expect(layers[0].oneDNNShapeCount == 2)
        _ = layers[0].forward(x, context: Self.oneDNN)
        #expect(layers[0].oneDNNShapeCount == 3)
    }

    @Test func switchingOffOneDNNNormalizationKeepsBatchNormAndPoolingInSwift() {
        // By default the oneDNN engine runs BatchNorm and pooling too (with blocked activations);
        // switched off, it runs convolutions alone and the Swift layers give their exact results.
        #expect(ExecutionContext(threads: 2, convolutionEngine: .onednn).runsOneDNNNormalizationAndPooling)
        #expect(!ExecutionContext(threads: 2, convolutionEngine: .im2col).runsOneDNNNormalizationAndPooling)
        var g = SeededGenerator(seed: 10)
        let x = Tensor(normal: [2, 3, 4, 4], generator: &g)
        let context = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: false)
        let layers = Self.pair(3, seed: 4)
        let pool = MaxPool2D(kernelSize: 2)
        let y = Sequential([("bn", layers[0]), ("relu", ReLU()), ("pool", pool)]).forward(x, context: context)
        let expected = MaxPool2D(kernelSize: 2).forward(
            ReLU().forward(layers[1].forward(x, context: Self.reference), context: Self.reference), context: Self.reference)
        #expect(y == expected)
        #expect(layers[0].oneDNNShapeCount == 0)
    }

    @Test func aReducerKeepsTheReferenceEngineOnOneDNN() {
        // oneDNN's primitive cannot sum statistics over processes: synchronised layers stay on the
        // reference arithmetic, and a container does not fuse their ReLU.
        final class Identity: BatchStatisticsReducer, @unchecked Sendable {
            func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
        }
        var g = SeededGenerator(seed: 8)
        let x = Tensor(normal: [4, 3, 3, 3], generator: &g)
        let layers = Self.pair(3, seed: 2)
        layers[0].statisticsReducer = Identity()
        let model = Sequential([("bn", layers[0]), ("relu", ReLU())])
        let y = model.forward(x, context: Self.oneDNN)
        let expected = ReLU().forward(layers[1].forward(x, context: Self.reference), context: Self.reference)
        #expect(y == expected)
        #expect(layers[0].oneDNNShapeCount == 0)
    }
}
