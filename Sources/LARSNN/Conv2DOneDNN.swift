/// `Conv2D` on the oneDNN engine: the tensors' pointers handed to the free functions in
/// `ConvolutionOneDNN.swift`, which hold the arithmetic; the layer keeps only the cache.
///
/// The input is read in whatever layout it is stored in; the output is channel-blocked when
/// the context keeps activations blocked (`ExecutionContext.runsOneDNNNormalizationAndPooling`) and
/// oneDNN chose a blocked layout for it, NCHW otherwise.
extension Conv2D {
    /// `conv(input) + bias` through oneDNN, `[N, Cout, Hout, Wout]`, and whether it asked for a
    /// blocked output (the plan key the backward must use).
    func oneDNNForward(_ input: Tensor, geometry g: ConvGeometry, context: ExecutionContext) -> (Tensor, Bool) {
        let n = input.shape[0]
        let shape = [n, outputChannels, g.outputHeight, g.outputWidth]
        let count = shape.reduce(1, *)
        let blocked = context.runsOneDNNNormalizationAndPooling
        // No images (an empty evaluation batch): oneDNN refuses a descriptor with a zero dimension.
        guard n > 0 else { return (Tensor(zeros: shape), blocked) }
        var layout = TensorLayout.plain
        let storage = [Float](unsafeUninitializedCapacity: count) { y, initialized in
            input.withUnsafeStorage { x in
                layout = oneDNNConvolutionForward(
                    output: y.baseAddress!, input: x.baseAddress!, weights: weight.unsafeValues,
                    bias: bias?.unsafeValues, batch: n, geometry: g, outputChannels: outputChannels,
                    inputLayout: input.layout, blockedOutput: blocked, cache: oneDNNCache, threads: context.threads)
            }
            initialized = count
        }
        return (Tensor(shape: shape, layout: layout, storage: storage), blocked)
    }

    /// dL/dx in the input's layout (or an empty tensor when `computesInputGradient` is off),
    /// accumulating dL/dW and dL/db into the parameters' gradients, through oneDNN.
    /// `outputGradient` must be stored as the forward's output was; `blockedOutput` is what that
    /// forward asked for.
    func oneDNNBackward(
        _ outputGradient: Tensor, input: Tensor, geometry g: ConvGeometry, blockedOutput: Bool,
        inputIsFromForward: Bool, context: ExecutionContext
    ) -> Tensor {
        let n = input.shape[0]
        let wantsInput = computesInputGradient
        var inputGradient = wantsInput
            ? Tensor.uninitialized(input.shape, layout: input.layout) : Tensor(zeros: [0])
        guard n > 0 else { return inputGradient }
        input.withUnsafeStorage { x in
            outputGradient.withUnsafeStorage { dy in
                inputGradient.withUnsafeMutableStorage { dx in
                    oneDNNConvolutionBackward(
                        inputGradient: wantsInput ? dx.baseAddress : nil, weightGradient: weight.unsafeGradients,
                        biasGradient: bias?.unsafeGradients, input: x.baseAddress!, weights: weight.unsafeValues,
                        outputGradient: dy.baseAddress!, batch: n, geometry: g, outputChannels: outputChannels,
                        inputLayout: input.layout, blockedOutput: blockedOutput, inputIsFromForward: inputIsFromForward,
                        cache: oneDNNCache, threads: context.threads)
                }
            }
        }
        return inputGradient
    }
}
