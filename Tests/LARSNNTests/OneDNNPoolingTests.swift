import Testing
import LARSNN
import LARSTestSupport

/// Max and average pooling on oneDNN's primitives against the Swift layers, forward (training
/// and evaluation) and backward, on many window geometries.
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct OneDNNPoolingTests {
    static let oneDNN = ExecutionContext(threads: 2, convolutionEngine: .onednn, oneDNNNormalizationAndPooling: true)
    static let reference = ExecutionContext(threads: 2, convolutionEngine: .im2col)

    /// (shape, kernel, stride): tiled, odd sides that leave a row or column out, overlapping
    /// windows, a window the size of the input, the models' shapes.
    static let geometries: [([Int], Int, Int)] = [
        ([2, 3, 4, 6], 2, 2), ([1, 2, 5, 7], 2, 2), ([2, 2, 7, 7], 3, 2), ([1, 3, 6, 5], 3, 1),
        ([3, 1, 5, 5], 5, 1), ([2, 4, 9, 8], 2, 3), ([2, 32, 28, 28], 2, 2), ([2, 64, 14, 14], 2, 2),
    ]

    @Test(arguments: geometries.indices)
    func maxPoolingMatchesTheSwiftLayer(_ index: Int) {
        let (shape, k, s) = Self.geometries[index]
        var g = SeededGenerator(seed: UInt64(60 + index))
        let x = distinctValues(shape, generator: &g)
        let layers = [MaxPool2D(kernelSize: k, stride: s), MaxPool2D(kernelSize: k, stride: s)]
        let y = [layers[0].forward(x, context: Self.oneDNN), layers[1].forward(x, context: Self.reference)]
        // The maximum is one of the inputs: exactly equal.
        #expect(y[0] == y[1], "forward \(shape) k\(k) s\(s)")
        let dy = Tensor(normal: y[1].shape, generator: &g)
        let dx = [layers[0].backward(dy, context: Self.oneDNN), layers[1].backward(dy, context: Self.reference)]
        // Routed to the same pixels; overlapping windows may add in another order.
        #expect(maxAbsoluteError(dx[0].scalars, dx[1].scalars) < 1e-6, "backward \(shape) k\(k) s\(s)")
        #expect(layers[0].forward(x, context: Self.oneDNN.evaluating) == y[1], "evaluation \(shape)")
    }

    @Test(arguments: geometries.indices)
    func averagePoolingMatchesTheSwiftLayer(_ index: Int) {
        let (shape, k, s) = Self.geometries[index]
        var g = SeededGenerator(seed: UInt64(80 + index))
        let x = Tensor(normal: shape, generator: &g)
        let layers = [AvgPool2D(kernelSize: k, stride: s), AvgPool2D(kernelSize: k, stride: s)]
        let y = [layers[0].forward(x, context: Self.oneDNN), layers[1].forward(x, context: Self.reference)]
        #expect(y[0].shape == y[1].shape)
        #expect(maxAbsoluteError(y[0].scalars, y[1].scalars) < 1e-6, "forward \(shape) k\(k) s\(s)")
        let dy = Tensor(normal: y[1].shape, generator: &g)
        let dx = [layers[0].backward(dy, context: Self.oneDNN), layers[1].backward(dy, context: Self.reference)]
        #expect(maxAbsoluteError(dx[0].scalars, dx[1].scalars) < 1e-6, "backward \(shape) k\(k) s\(s)")
        let e = layers[0].forward(x, context: Self.oneDNN.evaluating)
        #expect(maxAbsoluteError(e.scalars, y[1].scalars) < 1e-6, "evaluation \(shape)")
    }

    @Test func backwardFollowsTheEngineOfTheForward() {
        // A Swift forward, then a backward in a oneDNN context: the Swift argmax is used.
        var g = SeededGenerator(seed: 3)
        let x = distinctValues([2, 2, 6, 6], generator: &g)
        let layers = [MaxPool2D(kernelSize: 3, stride: 2), MaxPool2D(kernelSize: 3, stride: 2)]
        let y = layers[0].forward(x, context: Self.reference)
        _ = layers[1].forward(x, context: Self.reference)
        let dy = Tensor(normal: y.shape, generator: &g)
        #expect(layers[0].backward(dy, context: Self.oneDNN) == layers[1].backward(dy, context: Self.reference))
    }
}
