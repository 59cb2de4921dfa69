/// `Conv2D` on the oneDNN engine: the tensors' pointers handed to the free functions in
/// `ConvolutionOneDNN.swift`, which hold the arithmetic; the layer keeps only the cache.
extension Conv2D {
    /// `conv(input) + bias` through oneDNN, `[N, Cout, Hout, Wout]`.
    func oneDNNForward(_ input: Tensor, geometry g: ConvGeometry, context: ExecutionContext) -> Tensor {
        let n = input.shape[0]
        var output = Tensor.uninitialized([n, outputChannels, g.outputHeight, g.outputWidth])
        let cout = outputChannels
        input.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { wb in
                output.withUnsafeMutableBufferPointer { yb in
                    withOptionalPointer(bias?.value) { b in
                        oneDNNConvolutionForward(
                            output: yb.baseAddress!, input: xb.baseAddress!, weights: wb.baseAddress!, bias: b,
                            batch: n, geometry: g, outputChannels: cout, cache: oneDNNCache, threads: context.threads)
                    }
                }
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
        let cout = outputChannels
        input.withUnsafeBufferPointer { xb in
            weight.value.withUnsafeBufferPointer { wb in
                outputGradient.withUnsafeBufferPointer { dyb in
                    weight.grad.withUnsafeMutableBufferPointer { dwb in
                        inputGradient.withUnsafeMutableBufferPointer { dxb in
                            withOptionalGradientPointer(bias) { db in
                                oneDNNConvolutionBackward(
                                    inputGradient: wantsInput ? dxb.baseAddress : nil,
                                    weightGradient: dwb.baseAddress!, biasGradient: db,
                                    input: xb.baseAddress!, weights: wb.baseAddress!, outputGradient: dyb.baseAddress!,
                                    batch: n, geometry: g, outputChannels: cout, inputIsFromForward: inputIsFromForward,
                                    cache: oneDNNCache, threads: context.threads)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

/// Calls `body` with the tensor's base address, or with `nil` for no tensor.
private func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Calls `body` with the parameter's gradient storage, or with `nil` for no parameter.
private func withOptionalGradientPointer<R>(_ parameter: Parameter?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard let parameter else { return body(nil) }
    return parameter.grad.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
