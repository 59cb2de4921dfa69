#if canImport(CDNNL)
import CDNNL

/// The oneDNN pooling primitives for one input shape, window and mode: forward (training, with
/// the argmax workspace for max pooling, or inference), and for training the backward. Input
/// and output are stored as the key's layout (NCHW or channel-blocked); windows never reach past the input (no padding), so the output side is
/// `(side - kernel) / stride + 1` as in this package's pooling layers.
final class OneDNNPoolingPlan {
    /// What a plan is made for; `threads` as in `OneDNNConvolutionCache.Key`.
    struct Key: Hashable {
        let dims: [Int], layout: TensorLayout, kernel: Int, stride: Int, maximum: Bool, training: Bool, threads: Int
    }

    let forward: OneDNNPrimitive
    let backward: OneDNNPrimitive?
    /// Caller storage, bound per call.
    let source: OneDNNMemory, destination: OneDNNMemory
    let outputGradient: OneDNNMemory, inputGradient: OneDNNMemory
    /// Where each window's maximum was, from a max-pooling training forward to its backward.
    let workspace: OneDNNMemory?
    let forwardScratchpad: OneDNNScratchpad
    let backwardScratchpad: OneDNNScratchpad?

    init(_ key: Key) {
        let (n, c, h, w) = (key.dims[0], key.dims[1], key.dims[2], key.dims[3])
        let (k, s) = (key.kernel, key.stride)
        var input = OneDNN.descriptor(key.dims, OneDNN.tag(key.layout))
        var output = OneDNN.descriptor([n, c, (h - k) / s + 1, (w - k) / s + 1], OneDNN.tag(key.layout))
        let (strides, kernel, padding): ([Int64], [Int64], [Int64]) = ([Int64(s), Int64(s)], [Int64(k), Int64(k)], [0, 0])
        // Without padding, excluding or including it gives the same k * k divisor.
        let algorithm = key.maximum ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding
        let label = "\(key.maximum ? "max" : "average") pooling \(key.dims) k\(k) s\(s)"
        var fd = dnnl_pooling_desc_t()
        OneDNN.check(
            dnnl_pooling_forward_desc_init(
                &fd, key.training ? dnnl_forward_training : dnnl_forward_inference, algorithm, &input, &output,
                strides, kernel, padding, padding),
            "pooling_forward_desc_init \(label)")
        forward = OneDNNPrimitive(&fd, hint: nil, "\(label) forward")
        forwardScratchpad = OneDNNScratchpad(for: forward.descriptor)
        (source, destination) = (OneDNNMemory(input, owned: false), OneDNNMemory(output, owned: false))
        (outputGradient, inputGradient) = (OneDNNMemory(output, owned: false), OneDNNMemory(input, owned: false))
        workspace = key.training && key.maximum
            ? OneDNNMemory(OneDNN.query(forward.descriptor, dnnl_query_workspace_md), owned: true) : nil
        guard key.training else {
            (backward, backwardScratchpad) = (nil, nil)
            return
        }
        var bd = dnnl_pooling_desc_t()
        OneDNN.check(
            dnnl_pooling_backward_desc_init(&bd, algorithm, &input, &output, strides, kernel, padding, padding),
            "pooling_backward_desc_init \(label)")
        let backward = OneDNNPrimitive(&bd, hint: forward.descriptor, "\(label) backward")
        self.backward = backward
        backwardScratchpad = OneDNNScratchpad(for: backward.descriptor)
    }
}
#endif
