/// A 2D convolution over NCHW images (dilation 1, no groups) run as im2col + `gemm`.
///
/// Shapes: input `[N, inputChannels, H, W]`, weight `[outputChannels, inputChannels, k, k]`,
/// output `[N, outputChannels, Hout, Wout]` with `Hout = (H + 2 padding - k) / stride + 1`.
///
/// The images of a chunk (the whole batch unless its patch matrix would exceed
/// `columnBudget` floats) are laid side by side as columns (see `Im2Col`), so forward is one
/// `gemm` `W[Cout, K] x cols[K, n*P]` (then a permute to NCHW) and backward is one `gemm` for
/// `dW += dY cols^T`. dL/dx is either `dcols = W^T dY` followed by `col2im`, or, for stride 1,
/// same padding and `Cout <= C` (every stride-1 convolution of a CIFAR ResNet), a forward
/// convolution of dY with the flipped kernel, whose `gemm` has depth `Cout*k*k` instead of
/// `Cout`. The patch matrix is rebuilt in backward instead of cached: caching it would hold a
/// `K x N*P` matrix per layer (75 MB for one ResNet-20 stage-1 layer at batch 128).
///
/// With `context.convolutionEngine == .onednn` the same arithmetic runs on oneDNN's primitives
/// instead (`Conv2DOneDNN.swift`); both engines give the same results up to rounding.
public final class Conv2D: Layer {
    /// Dotted path; parameters are `<path>.weight` and `<path>.bias`.
    public var path: String = ""
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
    /// The engine of the latest forward, so that oneDNN's backward knows its reordered copy of
    /// the cached input is current.
    private var forwardEngine: ConvolutionEngine?
    /// oneDNN primitives per input shape (used when `context.convolutionEngine == .onednn`).
    let oneDNNCache = OneDNNConvolutionCache()
    /// How many input shapes have oneDNN primitives in this layer (created once per shape).
    public var oneDNNShapeCount: Int { oneDNNCache.shapeCount }
    private var columns = Scratch()
    private var gemmOutput = Scratch()

    /// Creates the layer; weights from `weightInitializer` (He normal with fan-in `C*k*k` by
    /// default), bias zero.
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

    /// `y = conv(x)` for `images` NCHW images of geometry `g` with weights `[outputs, g.patchSize]`,
    /// written to NCHW `y` (fully overwritten): per chunk of images, im2col, one `gemm` into the
    /// channel-major `[outputs, n*P]` scratch and a permute to NCHW.
    private func convolve(
        _ x: UnsafePointer<Float>, images n: Int, geometry g: ConvGeometry, weights: UnsafePointer<Float>,
        outputChannels outputs: Int, into y: UnsafeMutablePointer<Float>, context: ExecutionContext
    ) {
        let (pixels, k, threads) = (g.outputPixels, g.patchSize, context.threads)
        let chunk = imagesPerChunk(g, batch: n)
        for start in Swift.stride(from: 0, to: n, by: chunk) {
            let count = min(chunk, n - start)
            let width = count * pixels
            columns.with(count: k * width) { cols in
                Im2Col.im2col(
                    input: x + start * g.channels * g.inputPixels, imageCount: count, geometry: g, columns: cols,
                    threads: threads)
                let target = y + start * outputs * pixels
                if count == 1 {
                    // One image: [outputs, P] is already its NCHW layout.
                    context.backend.gemm(
                        transA: false, transB: false, m: outputs, n: width, k: k, a: weights, b: cols, beta: 0,
                        c: target)
                } else {
                    gemmOutput.with(count: outputs * width) { tmp in
                        context.backend.gemm(
                            transA: false, transB: false, m: outputs, n: width, k: k, a: weights, b: cols, beta: 0,
                            c: tmp)
                        ChannelPermute.batchMajor(
                            from: tmp, to: target, images: count, channels: outputs, pixels: pixels, threads: threads)
                    }
                }
            }
        }
    }

    /// Whether dL/dx is computed as a forward convolution of dL/dy with the flipped, transposed
    /// kernel. It needs stride 1 and "same" padding (`2 p = k - 1`), so dx has y's size; and it
    /// pays only when `Cout <= C`, since its patch matrix has `Cout*k*k` rows (measured on the
    /// small CNN's 32 -> 64 conv2: 5% slower per step than `W^T dY` + col2im; on ResNet-20,
    /// whose stride-1 convolutions keep the width, 7% faster).
    private var inputGradientIsConvolution: Bool {
        stride == 1 && 2 * padding == kernelSize - 1 && outputChannels <= inputChannels
    }

    /// `dx = conv(dy, flip(W)^T)` for stride 1 and same padding: `dx[n, c, i, j] = sum over co,
    /// ki, kj of W[co, c, ki, kj] dy[n, co, i - ki + p, j - kj + p]`, which is a convolution of dy
    /// (Cout channels) with `W~[c, co, k-1-ki, k-1-kj]`, padding p. Compared with `W^T dY` +
    /// `col2im`, the `gemm` has depth `Cout*k*k` instead of `Cout` (BLAS runs it far better), and
    /// there is no zero-filled patch matrix and no scattered accumulation.
    private func inputGradientByConvolution(
        _ dy: UnsafePointer<Float>, images n: Int, inputShape: [Int], into dx: UnsafeMutablePointer<Float>,
        context: ExecutionContext
    ) {
        let (c, cout, k) = (inputChannels, outputChannels, kernelSize)
        let area = k * k
        let flipped = UnsafeMutablePointer<Float>.allocate(capacity: c * cout * area)
        defer { flipped.deallocate() }
        weight.withValues { wb in
            let w = wb.baseAddress!
            for co in 0..<cout {
                for ci in 0..<c {
                    let source = w + (co * c + ci) * area
                    let target = flipped + (ci * cout + co) * area
                    for t in 0..<area { target[area - 1 - t] = source[t] }
                }
            }
        }
        let gT = ConvGeometry(
            channels: cout, height: inputShape[2], width: inputShape[3], kernelHeight: k, kernelWidth: k,
            strideHeight: 1, strideWidth: 1, paddingHeight: padding, paddingWidth: padding)
        convolve(dy, images: n, geometry: gT, weights: flipped, outputChannels: c, into: dx, context: context)
    }

    private func imagesPerChunk(_ g: ConvGeometry, batch: Int) -> Int {
        max(1, min(batch, columnBudget / max(1, g.patchSize * g.outputPixels)))
    }

    /// Images per im2col chunk for an input of `inputShape` ([N, C, H, W]): the whole batch
    /// unless its patch matrix would exceed `columnBudget` (what benchmarks of this layer's
    /// gemms must reproduce).
    public func imagesPerChunk(inputShape: [Int]) -> Int {
        imagesPerChunk(geometry(for: inputShape), batch: inputShape[0])
    }

    /// The shape of the input the latest training-mode `forward` cached for `backward`.
    public var cachedInputShape: [Int]? { cachedInput?.shape }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let g = geometry(for: input.shape)
        cachedInput = context.isTraining ? input : nil
        forwardEngine = context.convolutionEngine
        if context.convolutionEngine == .onednn { return oneDNNForward(input, geometry: g, context: context) }
        let n = input.shape[0]
        let (pixels, cout) = (g.outputPixels, outputChannels)
        var output = Tensor.uninitialized([n, cout, g.outputHeight, g.outputWidth])
        let threads = context.threads
        input.withUnsafeBufferPointer { xb in
            weight.withValues { wb in
                output.withUnsafeMutableBufferPointer { yb in
                    guard let x = xb.baseAddress, let y = yb.baseAddress else { return }
                    convolve(
                        x, images: n, geometry: g, weights: wb.baseAddress!, outputChannels: cout, into: y,
                        context: context)
                    if let bias {
                        bias.withValues { b in
                            ChannelOps.addBias(
                                b.baseAddress!, to: y, images: n, channels: cout, pixels: pixels, threads: threads)
                        }
                    }
                }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let input = cachedInput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let g = geometry(for: input.shape)
        let n = input.shape[0]
        let (pixels, k, cout) = (g.outputPixels, g.patchSize, outputChannels)
        userPrecondition(
            outputGradient.shape == [n, cout, g.outputHeight, g.outputWidth],
            "\(layerDescription): expected output gradient \([n, cout, g.outputHeight, g.outputWidth]), got \(outputGradient.shape)")
        if context.convolutionEngine == .onednn {
            return oneDNNBackward(
                outputGradient, input: input, geometry: g, inputIsFromForward: forwardEngine == .onednn,
                context: context)
        }
        let wantsInput = computesInputGradient
        let byConvolution = wantsInput && inputGradientIsConvolution
        var inputGradient = byConvolution
            ? Tensor.uninitialized(input.shape) : wantsInput ? Tensor(zeros: input.shape) : Tensor(zeros: [0])
        let chunk = imagesPerChunk(g, batch: n)
        let threads = context.threads
        outputGradient.withUnsafeBufferPointer { dyb in
            guard let dy = dyb.baseAddress else { return }
            if let bias {
                bias.withGradients { db in
                    ChannelOps.accumulateChannelSums(
                        of: dy, into: db.baseAddress!, images: n, channels: cout, pixels: pixels, threads: threads)
                }
            }
            input.withUnsafeBufferPointer { xb in
                weight.withValues { wb in
                    weight.withGradients { dwb in
                        inputGradient.withUnsafeMutableBufferPointer { dxb in
                            let x = xb.baseAddress!
                            let dw = dwb.baseAddress!
                            let dx = dxb.baseAddress
                            for start in Swift.stride(from: 0, to: n, by: chunk) {
                                let count = min(chunk, n - start)
                                let width = count * pixels
                                let dyChunk = dy + start * cout * pixels
                                columns.with(count: k * width) { cols in
                                    Im2Col.im2col(
                                        input: x + start * g.channels * g.inputPixels, imageCount: count,
                                        geometry: g, columns: cols, threads: threads)
                                    let step = { (dyt: UnsafePointer<Float>) in
                                        // dW += dY[Cout, n*P] x cols^T.
                                        context.backend.gemm(
                                            transA: false, transB: true, m: cout, n: k, k: width,
                                            a: dyt, b: cols, beta: 1, c: dw)
                                        guard wantsInput, !byConvolution, let dx else { return }
                                        // dcols = W^T dY, written over the patches we no longer need.
                                        context.backend.gemm(
                                            transA: true, transB: false, m: k, n: width, k: cout,
                                            a: wb.baseAddress!, b: dyt, beta: 0, c: cols)
                                        Im2Col.col2im(
                                            columns: cols, imageCount: count, geometry: g,
                                            output: dx + start * g.channels * g.inputPixels,
                                            threads: threads)
                                    }
                                    if count == 1 {
                                        step(dyChunk)
                                    } else {
                                        gemmOutput.with(count: cout * width) { tmp in
                                            ChannelPermute.channelMajor(
                                                from: dyChunk, to: tmp, images: count, channels: cout,
                                                pixels: pixels, threads: threads)
                                            step(tmp)
                                        }
                                    }
                                }
                            }
                            if byConvolution, let dx {
                                inputGradientByConvolution(
                                    dy, images: n, inputShape: input.shape, into: dx, context: context)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
