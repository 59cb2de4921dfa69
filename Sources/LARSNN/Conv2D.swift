/// A 2D convolution over NCHW images (dilation 1, no groups).
///
/// Shapes: input `[N, inputChannels, H, W]`, weight `[outputChannels, inputChannels, k, k]`,
/// output `[N, outputChannels, Hout, Wout]` with `Hout = (H + 2 padding - k) / stride + 1`.
///
/// The layer keeps the input for backward, checks shapes and hands pointers to
/// `context.convolutionKernels`, whose engine holds the arithmetic (`im2colConvolutionForward`/
/// `Backward`: im2col + `gemm` on `context.backend`; or `oneDNNConvolutionForward`/`Backward`:
/// oneDNN's primitives). Both engines give the same results up to rounding.
public final class Conv2D: Layer {
    /// Input channels `C`.
    public let inputChannels: Int
    /// Output channels `Cout`.
    public let outputChannels: Int
    /// Square kernel side `k`.
    public let kernelSize: Int
    /// Step between output pixels, in input pixels.
    public let stride: Int
    /// Zero pixels added on each side.
    public let padding: Int
    /// `[Cout, C, k, k]`, kind `.weight`.
    public let weight: Parameter
    /// `[Cout]`, kind `.bias`, or `nil`.
    public let bias: Parameter?
    /// Whether `backward` computes dL/dx. A model's first layer does not need it (its input is
    /// data), which saves a `gemm` and a `col2im`; its parameter gradients are unaffected.
    public var computesInputGradient = true
    /// Largest patch matrix, in floats, built at once; bigger batches are split into chunks.
    /// 1M floats (4 MB) keeps the freshly written patches in cache when `gemm` packs them while
    /// still giving `gemm` thousands of columns (7 CIFAR images of 32x32 for a 3x3x16 patch).
    public var columnBudget = Conv2D.defaultColumnBudget
    /// The default `columnBudget`: 1M floats.
    public static let defaultColumnBudget = 1 << 20

    private var cachedInput: Tensor?
    /// How the latest forward stored its output, which its backward reads its gradient as.
    private var forwardRecord = ConvolutionForwardRecord.none
    /// The engines' scratch memory and primitives, kept between steps.
    let kernelState = ConvolutionState()
    /// How many input shapes have oneDNN primitives in this layer (created once per shape).
    public var oneDNNShapeCount: Int { kernelState.oneDNNCache.shapeCount }

    /// Creates the layer; weights from `weightInitializer` (He normal with fan-in `C*k*k` by
    /// default), bias zero. Input `[N, inputChannels, H, W]`, output `[N, outputChannels, H', W']`
    /// with `H' = (H + 2 * padding - kernelSize) / stride + 1` (the same for `W'`).
    /// - Parameters:
    ///   - inputChannels: channels `C` of the input.
    ///   - outputChannels: channels of the output (the number of filters).
    ///   - kernelSize: side `k` of the square `k x k` window, in pixels.
    ///   - stride: step of the window, in pixels, in both directions.
    ///   - padding: zero pixels added on every side of the input.
    ///   - bias: whether the layer adds a learnt per-channel bias.
    ///   - weightInitializer: how the `[outputChannels, inputChannels, k, k]` weights are drawn.
    ///   - generator: the source of the initial weights (a seed fixes them).
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, weightInitializer: WeightInitializer = .heNormal, generator: inout SeededGenerator
    ) {
        userPrecondition(
            inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
            "Conv2D: invalid configuration \(inputChannels)->\(outputChannels), kernel \(kernelSize), stride \(stride), padding \(padding)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        let area = kernelSize * kernelSize
        self.weight = Parameter(
            weightInitializer.make(
                shape: [outputChannels, inputChannels, kernelSize, kernelSize],
                fanIn: inputChannels * area, fanOut: outputChannels * area, generator: &generator),
            kind: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels]), kind: .bias) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func validateInput(shape: [Int]) -> String? {
        let minimum = max(1, kernelSize - 2 * padding)
        if shape.count == 4 && shape[1] == inputChannels && shape[2] >= minimum && shape[3] >= minimum {
            return nil
        }
        let spatial = minimum > 1 ? " with H, W >= \(minimum)" : ""
        return shapeMismatch(expected: "[N, \(inputChannels), H, W]\(spatial)", got: shape)
    }

    /// The convolution's geometry for an input of `shape` (already validated).
    func geometry(for shape: [Int]) -> ConvGeometry {
        ConvGeometry(
            channels: inputChannels, height: shape[2], width: shape[3], kernelHeight: kernelSize,
            kernelWidth: kernelSize, strideHeight: stride, strideWidth: stride,
            paddingHeight: padding, paddingWidth: padding)
    }

    /// Images per im2col chunk for an input of `inputShape` ([N, C, H, W]): the whole batch
    /// unless its patch matrix would exceed `columnBudget` (what benchmarks of this layer's
    /// gemms must reproduce).
    public func imagesPerChunk(inputShape: [Int]) -> Int {
        im2colConvolutionImagesPerChunk(
            batch: inputShape[0], geometry: geometry(for: inputShape), columnBudget: columnBudget)
    }

    /// The shape of the input the latest training-mode `forward` cached for `backward`.
    public var cachedInputShape: [Int]? { cachedInput?.shape }

    /// `conv(input) + bias`, `[N, Cout, Hout, Wout]`, on `context.convolutionKernels`; keeps the
    /// input for `backward` in training mode. On oneDNN the output may be channel-blocked
    /// (`ExecutionContext.runsOneDNNNormalizationAndPooling`); on im2col it is NCHW.
    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let kernels = context.convolutionKernels
        let g = geometry(for: input.shape)
        let input = input.stored(as: kernels.inputLayout(for: input.layout))
        cachedInput = context.isTraining ? input : nil
        let n = input.shape[0]
        let shape = [n, outputChannels, g.outputHeight, g.outputWidth]
        let count = shape.reduce(1, *)
        // No images (an empty evaluation batch): oneDNN refuses a descriptor with a zero dimension.
        guard n > 0 else {
            forwardRecord = .none
            return Tensor(zeros: shape)
        }
        var record = ConvolutionForwardRecord.none
        let storage = [Float](unsafeUninitializedCapacity: count) { y, initialized in
            input.withUnsafeStorage { x in
                record = kernels.forward(
                    output: y.baseAddress!, input: x.baseAddress!, inputLayout: input.layout, weights: weight.unsafeValues,
                    bias: bias?.unsafeValues, batch: n, geometry: g, outputChannels: outputChannels,
                    columnBudget: columnBudget, state: kernelState)
            }
            initialized = count
        }
        forwardRecord = record
        return Tensor(shape: shape, layout: record.outputLayout, storage: storage)
    }

    /// dL/dx for `outputGradient` (`[N, Cout, Hout, Wout]`), or an empty tensor when
    /// `computesInputGradient` is off; adds dL/dW and dL/db into the parameters' gradients.
    /// dL/dx is stored as the kernels read the input (a oneDNN forward's blocked input stays
    /// blocked on oneDNN and is read as NCHW on im2col).
    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let cached = cachedInput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let kernels = context.convolutionKernels
        let g = geometry(for: cached.shape)
        let n = cached.shape[0]
        let outputShape = [n, outputChannels, g.outputHeight, g.outputWidth]
        userPrecondition(
            outputGradient.shape == outputShape,
            "\(layerDescription): expected output gradient \(outputShape), got \(outputGradient.shape)")
        let input = cached.stored(as: kernels.inputLayout(for: cached.layout))
        let outputGradient = outputGradient.stored(as: kernels.outputGradientLayout(after: forwardRecord))
        let wantsInput = computesInputGradient
        var inputGradient = wantsInput ? Tensor.uninitialized(input.shape, layout: input.layout) : Tensor(zeros: [0])
        guard n > 0 else { return inputGradient }
        input.withUnsafeStorage { x in
            outputGradient.withUnsafeStorage { dy in
                inputGradient.withUnsafeMutableStorage { dx in
                    kernels.backward(
                        inputGradient: wantsInput ? dx.baseAddress! : nil, weightGradient: weight.unsafeGradients,
                        biasGradient: bias?.unsafeGradients, input: x.baseAddress!, inputLayout: input.layout,
                        weights: weight.unsafeValues, outputGradient: dy.baseAddress!, batch: n, geometry: g,
                        outputChannels: outputChannels, columnBudget: columnBudget, forward: forwardRecord,
                        state: kernelState)
                }
            }
        }
        return inputGradient
    }
}
