/// `Conv2D` on the oneDNN engine: the tensors' pointers handed to the free functions in
/// `ConvolutionOneDNN.swift`, which hold the arithmetic; the layer keeps only the cache.
extension Conv2D {
    /// `conv(input) + bias` through oneDNN, `[N, Cout, Hout, Wout]`.
    func oneDNNForward(_ input: Tensor, geometry g: ConvGeometry, context: ExecutionContext) -> Tensor {
        let n = input.shape[0]
        var output = Tensor.uninitialized([n, outputChannels, g.outputHeight, g.outputWidth])
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                oneDNNConvolutionForward(
                    output: y.baseAddress!, input: x.baseAddress!, weights: weight.unsafeValues,
                    bias: bias?.unsafeValues, batch: n, geometry: g, outputChannels: outputChannels,
                    cache: oneDNNCache, threads: context.threads)
            }
        }
        return output
    }

    /// dL/dx (or an empty tensor when `computesInputGradient` is off), accumulating dL/dW and
    /// dL/db into the parameters' gradients, through oneDNN.
    func oneDNNBackward(
        _ outputGradient: Tensor, input: Tensor, geometry g: ConvGeometry, inputIsFromForward: Bool,
        context: ExecutionContext
    ) -> Tensor {
        let n = input.shape[0]
        let wantsInput = computesInputGradient
        var inputGradient = wantsInput ? Tensor.uninitialized(input.shape) : Tensor(zeros: [0])
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    oneDNNConvolutionBackward(
                        inputGradient: wantsInput ? dx.baseAddress : nil, weightGradient: weight.unsafeGradients,
                        biasGradient: bias?.unsafeGradients, input: x.baseAddress!, weights: weight.unsafeValues,
                        outputGradient: dy.baseAddress!, batch: n, geometry: g, outputChannels: outputChannels,
                        inputIsFromForward: inputIsFromForward, cache: oneDNNCache, threads: context.threads)
                }
            }
        }
        return inputGradient
    }
}
