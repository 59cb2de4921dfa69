#if canImport(CDNNL)
import CDNNL

/// oneDNN's forward, backward-data and backward-weights convolution primitives for one shape,
/// with their operands and scratchpads, created once and reused for every call of that shape.
/// The backward half is created on the first backward call, so shapes that only ever run
/// forward (evaluation batches) hold no gradient buffers.
///
/// The primitives choose their layouts (`format_tag any`: blocked `nChw8c`-style on AVX2). The
/// caller's input is in `inputLayout`; its output is plain NCHW, or with `blockedOutput` the
/// primitive's own blocked layout when that is `nChw8c`/`nChw16c` (`outputLayout` says which),
/// so that a following oneDNN layer reads it without a reorder. Operands in another layout than
/// the primitive's are reordered in and out. The forward's reordered input is kept for
/// backward-weights, which then skips its own reorder of the same input.
final class OneDNNConvolutionPlan {
    /// The descriptors every primitive of the shape is built from.
    struct Shape {
        var plainSource, plainWeights, plainOutput, plainBias: dnnl_memory_desc_t
        var anySource, anyWeights, anyOutput: dnnl_memory_desc_t
        var strides, left, right: [Int64]
        var hasBias: Bool
        var geometry: ConvGeometry
    }

    let shape: Shape
    /// The layout the forward writes its output in (and backward reads the output gradient in).
    let outputLayout: TensorLayout
    let forward: OneDNNPrimitive
    let source: OneDNNOperand
    let weights: OneDNNOperand
    let output: OneDNNOperand
    let bias: OneDNNMemory?
    let scratchpad: OneDNNScratchpad
    /// Created on first use.
    private(set) lazy var backward = OneDNNConvolutionBackwardPlan(self)

    /// Builds the forward primitive for `batch` images of geometry `g` into `outputChannels` channels.
    init(
        batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int, hasBias: Bool, inputLayout: TensorLayout,
        blockedOutput: Bool
    ) {
        let srcDims = [n, g.channels, g.height, g.width]
        let weiDims = [cout, g.channels, g.kernelHeight, g.kernelWidth]
        let dstDims = [n, cout, g.outputHeight, g.outputWidth]
        // oneDNN wants the right padding that makes its output size ours (floor division drops
        // input rows past the last full window).
        let right: [Int64] = [
            Int64((g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.height - g.paddingHeight),
            Int64((g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.width - g.paddingWidth),
        ]
        var shape = Shape(
            plainSource: OneDNN.descriptor(srcDims, OneDNN.tag(inputLayout)), plainWeights: OneDNN.descriptor(weiDims, dnnl_oihw),
            plainOutput: OneDNN.descriptor(dstDims, dnnl_nchw), plainBias: OneDNN.descriptor([cout], dnnl_x),
            anySource: OneDNN.descriptor(srcDims, dnnl_format_tag_any),
            anyWeights: OneDNN.descriptor(weiDims, dnnl_format_tag_any),
            anyOutput: OneDNN.descriptor(dstDims, dnnl_format_tag_any),
            strides: [Int64(g.strideHeight), Int64(g.strideWidth)],
            left: [Int64(g.paddingHeight), Int64(g.paddingWidth)], right: right, hasBias: hasBias, geometry: g)
        var fd = dnnl_convolution_desc_t()
        var biasMD = shape.plainBias
        withUnsafeMutablePointer(to: &biasMD) { bias in
            OneDNN.check(
                dnnl_convolution_forward_desc_init(
                    &fd, dnnl_forward_training, dnnl_convolution_direct, &shape.anySource, &shape.anyWeights,
                    hasBias ? bias : nil, &shape.anyOutput, shape.strides, shape.left, shape.right),
                "convolution_forward_desc_init \(g)")
        }
        forward = OneDNNPrimitive(&fd, hint: nil, "convolution forward \(g)")
        let f = forward.descriptor
        let chosenOutput = OneDNN.query(f, dnnl_query_dst_md)
        if blockedOutput, let blocked = OneDNN.channelBlockedLayout(of: chosenOutput, dims: dstDims) {
            shape.plainOutput = chosenOutput
            outputLayout = blocked
        } else {
            outputLayout = .plain
        }
        self.shape = shape
        source = OneDNNOperand(plain: shape.plainSource, chosen: OneDNN.query(f, dnnl_query_src_md), direction: .input)
        weights = OneDNNOperand(
            plain: shape.plainWeights, chosen: OneDNN.query(f, dnnl_query_weights_md), direction: .input)
        output = OneDNNOperand(plain: shape.plainOutput, chosen: chosenOutput, direction: .output)
        bias = hasBias ? OneDNNMemory(shape.plainBias, owned: false) : nil
        scratchpad = OneDNNScratchpad(for: f)
    }
}

/// The backward-data and backward-weights half of a `OneDNNConvolutionPlan`.
final class OneDNNConvolutionBackwardPlan {
    let backwardData: OneDNNPrimitive
    let backwardWeights: OneDNNPrimitive
    let outputGradient: OneDNNOperand
    let dataWeights: OneDNNOperand
    let inputGradient: OneDNNOperand
    let weightsSource: OneDNNOperand
    let weightsOutputGradient: OneDNNOperand
    let weightGradient: OneDNNOperand
    let biasGradient: OneDNNOperand?
    let dataScratchpad: OneDNNScratchpad
    let weightsScratchpad: OneDNNScratchpad

    init(_ plan: OneDNNConvolutionPlan) {
        var s = plan.shape
        let g = s.geometry
        var dd = dnnl_convolution_desc_t()
        OneDNN.check(
            dnnl_convolution_backward_data_desc_init(
                &dd, dnnl_convolution_direct, &s.anySource, &s.anyWeights, &s.anyOutput, s.strides, s.left, s.right),
            "convolution_backward_data_desc_init \(g)")
        backwardData = OneDNNPrimitive(&dd, hint: plan.forward.descriptor, "convolution backward data \(g)")
        var wd = dnnl_convolution_desc_t()
        var biasMD = s.plainBias
        withUnsafeMutablePointer(to: &biasMD) { bias in
            OneDNN.check(
                dnnl_convolution_backward_weights_desc_init(
                    &wd, dnnl_convolution_direct, &s.anySource, &s.anyWeights, s.hasBias ? bias : nil, &s.anyOutput,
                    s.strides, s.left, s.right),
                "convolution_backward_weights_desc_init \(g)")
        }
        backwardWeights = OneDNNPrimitive(&wd, hint: plan.forward.descriptor, "convolution backward weights \(g)")

        let d = backwardData.descriptor, w = backwardWeights.descriptor
        outputGradient = OneDNNOperand(
            plain: s.plainOutput, chosen: OneDNN.query(d, dnnl_query_diff_dst_md), direction: .input)
        let dataWeightsMD = OneDNN.query(d, dnnl_query_weights_md)
        dataWeights = plan.weights.holds(dataWeightsMD)
            ? plan.weights : OneDNNOperand(plain: s.plainWeights, chosen: dataWeightsMD, direction: .input)
        inputGradient = OneDNNOperand(
            plain: s.plainSource, chosen: OneDNN.query(d, dnnl_query_diff_src_md), direction: .output)
        let weightsSourceMD = OneDNN.query(w, dnnl_query_src_md)
        weightsSource = plan.source.holds(weightsSourceMD)
            ? plan.source : OneDNNOperand(plain: s.plainSource, chosen: weightsSourceMD, direction: .input)
        let weightsDiffDstMD = OneDNN.query(w, dnnl_query_diff_dst_md)
        weightsOutputGradient = outputGradient.holds(weightsDiffDstMD)
            ? outputGradient : OneDNNOperand(plain: s.plainOutput, chosen: weightsDiffDstMD, direction: .input)
        weightGradient = OneDNNOperand(
            plain: s.plainWeights, chosen: OneDNN.query(w, dnnl_query_diff_weights_md), direction: .accumulatingOutput)
        biasGradient = s.hasBias
            ? OneDNNOperand(plain: s.plainBias, chosen: s.plainBias, direction: .accumulatingOutput) : nil
        dataScratchpad = OneDNNScratchpad(for: d)
        weightsScratchpad = OneDNNScratchpad(for: w)
    }
}
#endif
