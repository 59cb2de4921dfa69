import Testing
import LARSNN
import LARSTestSupport

/// oneDNN's convolution forward, backward-data and backward-weights against the direct
/// nested-loop oracle and against im2col + OpenBLAS, on many geometries.
@Suite(.enabled(if: ConvolutionEngine.isOneDNNAvailable, "oneDNN is not compiled into this build"))
struct ConvolutionEngineTests {
    /// (batch, C, Cout, H, W, kernel, stride, padding).
    static let geometries: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (2, 3, 4, 7, 6, 3, 1, 1), (2, 3, 4, 7, 6, 3, 2, 1), (2, 3, 4, 7, 6, 3, 1, 0), (2, 3, 4, 7, 6, 3, 2, 0),
        (2, 5, 3, 6, 6, 1, 1, 0), (3, 5, 8, 7, 7, 1, 2, 0), (1, 1, 6, 5, 9, 3, 1, 1), (1, 16, 16, 8, 8, 3, 1, 1),
        (2, 16, 32, 9, 9, 3, 2, 1), (2, 16, 32, 8, 8, 1, 2, 0), (3, 8, 8, 11, 5, 3, 2, 1), (1, 2, 3, 3, 3, 3, 1, 0),
        (1, 32, 64, 14, 14, 3, 1, 1), (2, 7, 5, 6, 6, 1, 1, 1),
    ]

    @Test(arguments: geometries.indices)
    func forwardAndBackwardMatchOracleAndOpenBLAS(_ index: Int) {
        let (n, c, cout, h, w, k, s, p) = Self.geometries[index]
        let label = "N\(n) \(c)->\(cout) \(h)x\(w) k\(k) s\(s) p\(p)"
        var g = SeededGenerator(seed: UInt64(100 + index))
        let layers = (0..<2).map { _ in
            Conv2D(inputChannels: c, outputChannels: cout, kernelSize: k, stride: s, padding: p, generator: &g)
        }
        let bias = Tensor(normal: [cout], generator: &g)
        for layer in layers {
            layer.weight.value = layers[0].weight.value
            layer.bias!.value = bias
        }
        let x = Tensor(normal: [n, c, h, w], generator: &g)
        let engines: [ConvolutionEngine] = [.onednn, .im2col]
        let outputs = zip(layers, engines).map { layer, engine in
            layer.forward(x, context: ExecutionContext(threads: 2, convolutionEngine: engine))
        }
        let expected = directConvolution(x, weight: layers[0].weight.value, bias: bias, stride: s, padding: p)
        #expect(outputs[0].shape == expected.shape, "\(label)")
        #expect(maxAbsoluteError(outputs[0].scalars, expected.scalars) < 1e-4, "forward vs oracle, \(label)")
        #expect(maxAbsoluteError(outputs[0].scalars, outputs[1].scalars) < 1e-4, "forward vs OpenBLAS, \(label)")

        let dy = Tensor(normal: expected.shape, generator: &g)
        // A nonzero starting gradient checks that backward accumulates into it.
        let start = Tensor(normal: layers[0].weight.value.shape, generator: &g)
        for layer in layers {
            layer.weight.grad = start
            layer.bias!.grad = Tensor(repeating: 0.5, shape: [cout])
        }
        let dx = zip(layers, engines).map { layer, engine in
            layer.backward(dy, context: ExecutionContext(threads: 2, convolutionEngine: engine))
        }
        let oracle = directConvolutionBackward(x, weight: layers[0].weight.value, outputGradient: dy, stride: s, padding: p)
        let dw = oracle.weight.scalars.indices.map { oracle.weight.scalars[$0] + start.scalars[$0] }
        let db = oracle.bias.scalars.map { $0 + 0.5 }
        #expect(maxAbsoluteError(dx[0].scalars, oracle.input.scalars) < 1e-4, "dx vs oracle, \(label)")
        #expect(maxAbsoluteError(dx[0].scalars, dx[1].scalars) < 1e-4, "dx vs OpenBLAS, \(label)")
        // dW sums N*Hout*Wout products per entry: compared relative to its largest entry.
        #expect(scaledError(layers[0].weight.grad.scalars, dw) < 1e-5, "dw vs oracle, \(label)")
        #expect(scaledError(layers[0].weight.grad.scalars, layers[1].weight.grad.scalars) < 1e-5, "dw vs OpenBLAS, \(label)")
        #expect(scaledError(layers[0].bias!.grad.scalars, db) < 1e-5, "db vs oracle, \(label)")
    }

    @Test func primitivesAreCreatedOncePerShapeAndReused() {
        var g = SeededGenerator(seed: 3)
        let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &g)
        let context = ExecutionContext(threads: 1, convolutionEngine: .onednn)
        let a = Tensor(normal: [2, 2, 5, 5], generator: &g)
        let b = Tensor(normal: [2, 2, 5, 5], generator: &g)
        let first = conv.forward(a, context: context)
        _ = conv.forward(b, context: context)
        // A new input of the same shape reuses the primitives and still gives its own result.
        #expect(conv.forward(a, context: context) == first)
        _ = conv.backward(first, context: context)
        #expect(conv.oneDNNShapeCount == 1)
        _ = conv.forward(Tensor(normal: [3, 2, 5, 5], generator: &g), context: context)
        #expect(conv.oneDNNShapeCount == 2)
    }

    @Test func backwardAfterAnOpenBLASForwardReordersTheInputAgain() {
        // The oneDNN backward reuses its reordered copy of the input only after a oneDNN forward.
        var g = SeededGenerator(seed: 4)
        let conv = Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1, generator: &g)
        let oneDNN = ExecutionContext(threads: 2, convolutionEngine: .onednn)
        let openBLAS = ExecutionContext(threads: 2, convolutionEngine: .im2col)
        let x1 = Tensor(normal: [2, 3, 6, 6], generator: &g)
        let x2 = Tensor(normal: [2, 3, 6, 6], generator: &g)
        let dy = Tensor(normal: conv.forward(x1, context: oneDNN).shape, generator: &g)
        _ = conv.forward(x2, context: openBLAS)
        conv.weight.zeroGrad()
        _ = conv.backward(dy, context: oneDNN)
        let expected = directConvolutionBackward(x2, weight: conv.weight.value, outputGradient: dy, stride: 2, padding: 1)
        #expect(scaledError(conv.weight.grad.scalars, expected.weight.scalars) < 1e-5)
    }

    @Test func firstLayerSkipsTheInputGradientButKeepsWeightGradients() {
        var g = SeededGenerator(seed: 5)
        let conv = Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, bias: false, generator: &g)
        conv.computesInputGradient = false
        let context = ExecutionContext(threads: 2, convolutionEngine: .onednn)
        let x = Tensor(normal: [2, 1, 6, 6], generator: &g)
        let dy = Tensor(normal: conv.forward(x, context: context).shape, generator: &g)
        let dx = conv.backward(dy, context: context)
        #expect(dx.count == 0)
        let expected = directConvolutionBackward(x, weight: conv.weight.value, outputGradient: dy, stride: 1, padding: 1)
        #expect(scaledError(conv.weight.grad.scalars, expected.weight.scalars) < 1e-5)
    }
}

/// The largest absolute difference relative to the largest magnitude in `b`.
func scaledError(_ a: [Float], _ b: [Float]) -> Float {
    maxAbsoluteError(a, b) / max(b.map { abs($0) }.max() ?? 0, 1e-6)
}

/// The direct nested-loop gradients of a convolution (oracle): dL/dx, dL/dW and dL/db for
/// output gradient `dy`, summed in Double.
func directConvolutionBackward(
    _ x: Tensor, weight: Tensor, outputGradient dy: Tensor, stride: Int, padding: Int
) -> (input: Tensor, weight: Tensor, bias: Tensor) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, k) = (weight.shape[0], weight.shape[2])
    let (oh, ow) = (dy.shape[2], dy.shape[3])
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: weight.count)
    var db = [Double](repeating: 0, count: cout)
    for b in 0..<n {
        for co in 0..<cout {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = Double(dy[b, co, oy, ox])
                    db[co] += g
                    for ci in 0..<c {
                        for i in 0..<k {
                            for j in 0..<k {
                                let iy = oy * stride - padding + i
                                let ix = ox * stride - padding + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                let xi = ((b * c + ci) * h + iy) * w + ix
                                let wi = ((co * c + ci) * k + i) * k + j
                                dx[xi] += Double(weight.scalars[wi]) * g
                                dw[wi] += Double(x.scalars[xi]) * g
                            }
                        }
                    }
                }
            }
        }
    }
    return (
        Tensor(shape: x.shape, scalars: dx.map { Float($0) }),
        Tensor(shape: weight.shape, scalars: dw.map { Float($0) }),
        Tensor(shape: [cout], scalars: db.map { Float($0) }))
}
