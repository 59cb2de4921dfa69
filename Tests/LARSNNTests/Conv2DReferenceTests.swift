import Testing
import LARSNN
import LARSTestSupport

/// Conv2D's im2col + gemm output against the direct nested-loop convolution.
@Suite struct Conv2DReferenceTests {
    @Test(arguments: [1, 3], [1, 2])
    func forwardMatchesDirectConvolution(kernel: Int, stride: Int) {
        for padding in [0, 1] {
            for backend in BackendChoice.allCases {
                var g = SeededGenerator(seed: UInt64(kernel * 100 + stride * 10 + padding))
                let conv = Conv2D(
                    inputChannels: 3, outputChannels: 4, kernelSize: kernel, stride: stride, padding: padding,
                    bias: true, generator: &g)
                conv.bias!.value = Tensor(normal: [4], generator: &g)
                let x = Tensor(normal: [3, 3, 7, 6], generator: &g)
                let y = conv.forward(x, context: backend.context())
                let expected = directConvolution(x, weight: conv.weight.value, bias: conv.bias!.value, stride: stride, padding: padding)
                #expect(y.shape == expected.shape)
                #expect(
                    maxAbsoluteError(y.scalars, expected.scalars) < 1e-4,
                    "k=\(kernel) s=\(stride) p=\(padding) \(backend)")
            }
        }
    }

    @Test func chunkedBatchGivesTheSameOutputAndGradients() {
        var g = SeededGenerator(seed: 77)
        let whole = Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, generator: &g)
        let chunked = Conv2D(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1, generator: &g)
        chunked.weight.value = whole.weight.value
        chunked.columnBudget = 27 * 36 * 2  // two images per chunk, last chunk one image
        let x = Tensor(normal: [5, 3, 6, 6], generator: &g)
        let context = ExecutionContext()
        let a = whole.forward(x, context: context)
        let b = chunked.forward(x, context: context)
        #expect(maxAbsoluteError(a.scalars, b.scalars) < 1e-5)
        let dy = Tensor(normal: a.shape, generator: &g)
        let dxA = whole.backward(dy, context: context)
        let dxB = chunked.backward(dy, context: context)
        #expect(maxAbsoluteError(dxA.scalars, dxB.scalars) < 1e-5)
        #expect(maxRelativeError(whole.weight.grad.scalars, chunked.weight.grad.scalars, floor: 1e-3) < 1e-4)
        #expect(maxRelativeError(whole.bias!.grad.scalars, chunked.bias!.grad.scalars, floor: 1e-3) < 1e-4)
    }

    @Test func skippingTheInputGradientKeepsParameterGradients() {
        var g = SeededGenerator(seed: 5)
        let full = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &g)
        let stem = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &g)
        stem.weight.value = full.weight.value
        stem.computesInputGradient = false
        let x = Tensor(normal: [2, 2, 4, 4], generator: &g)
        let context = ExecutionContext()
        let dy = Tensor(normal: full.forward(x, context: context).shape, generator: &g)
        _ = stem.forward(x, context: context)
        _ = full.backward(dy, context: context)
        _ = stem.backward(dy, context: context)
        #expect(full.weight.grad == stem.weight.grad)
    }
}
