#if canImport(CDNNL)
import CDNNL

/// oneDNN's forward, backward-data and backward-weights convolution primitives for one shape,
/// with their operands and one scratchpad, created once and reused for every call of that shape.
///
/// The primitives choose their layouts (`format_tag any`: blocked `nChw8c`-style on AVX2), so
/// NCHW inputs are reordered in and outputs out. The forward's reordered input is kept for
/// backward-weights, which then skips its own reorder of the same input.
final class OneDNNConvolutionPlan {
    let forward: OneDNNPrimitive
    let backwardData: OneDNNPrimitive
    let backwardWeights: OneDNNPrimitive
    let source: OneDNNOperand
    let weights: OneDNNOperand
    let output: OneDNNOperand
    let bias: OneDNNMemory?
    let outputGradient: OneDNNOperand
    let dataWeights: OneDNNOperand
    let inputGradient: OneDNNOperand
    let weightsSource: OneDNNOperand
    let weightsOutputGradient: OneDNNOperand
    let weightGradient: OneDNNOperand
    let biasGradient: OneDNNOperand?
    private let scratch: OneDNNBuffer
    let scratchpads: [OneDNNMemory]

    /// Builds the primitives for `batch` images of geometry `g` into `outputChannels` channels.
    init(batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int, hasBias: Bool) {
        let srcDims = [n, g.channels, g.height, g.width]
        let weiDims = [cout, g.channels, g.kernelHeight, g.kernelWidth]
        let dstDims = [n, cout, g.outputHeight, g.outputWidth]
        let plainSrc = OneDNN.descriptor(srcDims, dnnl_nchw)
        let plainWei = OneDNN.descriptor(weiDims, dnnl_oihw)
        let plainDst = OneDNN.descriptor(dstDims, dnnl_nchw)
        let plainBias = OneDNN.descriptor([cout], dnnl_x)
        var anySrc = OneDNN.descriptor(srcDims, dnnl_format_tag_any)
        var anyWei = OneDNN.descriptor(weiDims, dnnl_format_tag_any)
        var anyDst = OneDNN.descriptor(dstDims, dnnl_format_tag_any)
        let biasStorage = UnsafeMutablePointer<dnnl_memory_desc_t>.allocate(capacity: 1)
        biasStorage.initialize(to: plainBias)
        defer { biasStorage.deallocate() }
        let biasMD: UnsafeMutablePointer<dnnl_memory_desc_t>? = hasBias ? biasStorage : nil
        let strides: [Int64] = [Int64(g.strideHeight), Int64(g.strideWidth)]
        let left: [Int64] = [Int64(g.paddingHeight), Int64(g.paddingWidth)]
        // oneDNN wants the right padding that makes its output size ours (floor division drops
        // input rows past the last full window).
        let right: [Int64] = [
            Int64((g.outputHeight - 1) * g.strideHeight + g.kernelHeight - g.height - g.paddingHeight),
            Int64((g.outputWidth - 1) * g.strideWidth + g.kernelWidth - g.width - g.paddingWidth),
        ]

        var attr: dnnl_primitive_attr_t?
        OneDNN.check(dnnl_primitive_attr_create(&attr), "attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad_mode")

        func create(_ desc: inout dnnl_convolution_desc_t, hint: dnnl_primitive_desc_t?, _ what: String)
            -> OneDNNPrimitive
        {
            var pd: dnnl_primitive_desc_t?
            OneDNN.check(dnnl_primitive_desc_create(&pd, &desc, attr, OneDNN.engine, hint), "\(what) for \(g)")
            return OneDNNPrimitive(pd!, what)
        }
        var fd = dnnl_convolution_desc_t()
        OneDNN.check(
            dnnl_convolution_forward_desc_init(
                &fd, dnnl_forward_training, dnnl_convolution_direct, &anySrc, &anyWei, biasMD,
                &anyDst, strides, left, right), "convolution_forward_desc_init \(g)")
        forward = create(&fd, hint: nil, "convolution forward")
        var dd = dnnl_convolution_desc_t()
        OneDNN.check(
            dnnl_convolution_backward_data_desc_init(
                &dd, dnnl_convolution_direct, &anySrc, &anyWei, &anyDst, strides, left, right),
            "convolution_backward_data_desc_init \(g)")
        backwardData = create(&dd, hint: forward.descriptor, "convolution backward data")
        var wd = dnnl_convolution_desc_t()
        OneDNN.check(
            dnnl_convolution_backward_weights_desc_init(
                &wd, dnnl_convolution_direct, &anySrc, &anyWei, biasMD, &anyDst, strides, left,
                right), "convolution_backward_weights_desc_init \(g)")
        backwardWeights = create(&wd, hint: forward.descriptor, "convolution backward weights")

        let f = forward.descriptor, d = backwardData.descriptor, w = backwardWeights.descriptor
        source = OneDNNOperand(plain: plainSrc, chosen: OneDNN.query(f, dnnl_query_src_md), direction: .input)
        weights = OneDNNOperand(plain: plainWei, chosen: OneDNN.query(f, dnnl_query_weights_md), direction: .input)
        output = OneDNNOperand(plain: plainDst, chosen: OneDNN.query(f, dnnl_query_dst_md), direction: .output)
        bias = hasBias ? OneDNNMemory(plainBias, owned: false) : nil
        outputGradient = OneDNNOperand(
            plain: plainDst, chosen: OneDNN.query(d, dnnl_query_diff_dst_md), direction: .input)
        let dataWeightsMD = OneDNN.query(d, dnnl_query_weights_md)
        dataWeights = weights.holds(dataWeightsMD)
            ? weights : OneDNNOperand(plain: plainWei, chosen: dataWeightsMD, direction: .input)
        inputGradient = OneDNNOperand(
            plain: plainSrc, chosen: OneDNN.query(d, dnnl_query_diff_src_md), direction: .output)
        let weightsSourceMD = OneDNN.query(w, dnnl_query_src_md)
        weightsSource = source.holds(weightsSourceMD)
            ? source : OneDNNOperand(plain: plainSrc, chosen: weightsSourceMD, direction: .input)
        let weightsDiffDstMD = OneDNN.query(w, dnnl_query_diff_dst_md)
        weightsOutputGradient = outputGradient.holds(weightsDiffDstMD)
            ? outputGradient : OneDNNOperand(plain: plainDst, chosen: weightsDiffDstMD, direction: .input)
        weightGradient = OneDNNOperand(
            plain: plainWei, chosen: OneDNN.query(w, dnnl_query_diff_weights_md), direction: .accumulatingOutput)
        biasGradient = hasBias
            ? OneDNNOperand(plain: plainBias, chosen: plainBias, direction: .accumulatingOutput) : nil

        // One scratchpad for all three: they never run at the same time.
        let pads = [f, d, w].map { OneDNN.query($0, dnnl_query_scratchpad_md) }
        scratch = OneDNNBuffer(bytes: pads.map { md in var md = md; return dnnl_memory_desc_get_size(&md) }.max()!)
        scratchpads = pads.map { OneDNNMemory($0, owned: false) }
        for pad in scratchpads { pad.bind(scratch.pointer) }
    }
}
#endif
