#if canImport(CDNNL)
import CDNNL

/// The oneDNN batch-normalization primitives for one input shape and mode: forward (training
/// with batch statistics, or inference with given statistics), and for training the backward
/// that gives dL/dx, dL/dscale and dL/dshift. Data is `[N, C, H * W, 1]` (`[N, C, 1, 1]` for
/// vectors) stored as the key's layout (NCHW or channel-blocked);
/// scale, shift, mean and variance are separate `[C]` vectors (`dnnl_use_scale`,
/// `dnnl_use_shift`). With `fusedReLU` the primitive applies `max(y, 0)` and keeps a
/// workspace of where `y > 0` for its backward.
final class OneDNNBatchNormPlan {
    /// What a plan is made for; `threads` as in `OneDNNConvolutionCache.Key`.
    struct Key: Hashable {
        let dims: [Int], layout: TensorLayout, epsilon: Float, training: Bool, fusedReLU: Bool, threads: Int
    }

    let forward: OneDNNPrimitive
    let backward: OneDNNPrimitive?
    /// Caller storage, bound per call: input, output, their gradients, and the `[C]` vectors.
    let source: OneDNNMemory, destination: OneDNNMemory
    let outputGradient: OneDNNMemory, inputGradient: OneDNNMemory
    let scale: OneDNNMemory, shift: OneDNNMemory, mean: OneDNNMemory, variance: OneDNNMemory
    /// Own `[C]` buffers the backward overwrites, added into the caller's gradients afterwards.
    let scaleGradient: OneDNNMemory, shiftGradient: OneDNNMemory
    /// The ReLU mask from a fused training forward to its backward.
    let workspace: OneDNNMemory?
    let forwardScratchpad: OneDNNScratchpad
    let backwardScratchpad: OneDNNScratchpad?

    init(_ key: Key) {
        let c = key.dims[1]
        var data = OneDNN.descriptor(key.dims, OneDNN.tag(key.layout))
        let vector = OneDNN.descriptor([c], dnnl_a)
        var flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        if key.fusedReLU { flags |= dnnl_fuse_norm_relu.rawValue }
        let label = "batch normalization \(key.dims)\(key.fusedReLU ? " + ReLU" : "")"
        var fd = dnnl_batch_normalization_desc_t()
        OneDNN.check(
            dnnl_batch_normalization_forward_desc_init(
                &fd, key.training ? dnnl_forward_training : dnnl_forward_inference, &data, key.epsilon,
                key.training ? flags : flags | dnnl_use_global_stats.rawValue),
            "batch_normalization_forward_desc_init \(key.dims)")
        forward = OneDNNPrimitive(&fd, hint: nil, "\(label) forward")
        forwardScratchpad = OneDNNScratchpad(for: forward.descriptor)
        (source, destination) = (OneDNNMemory(data, owned: false), OneDNNMemory(data, owned: false))
        (outputGradient, inputGradient) = (OneDNNMemory(data, owned: false), OneDNNMemory(data, owned: false))
        (scale, shift) = (OneDNNMemory(vector, owned: false), OneDNNMemory(vector, owned: false))
        (mean, variance) = (OneDNNMemory(vector, owned: false), OneDNNMemory(vector, owned: false))
        (scaleGradient, shiftGradient) = (OneDNNMemory(vector, owned: true), OneDNNMemory(vector, owned: true))
        workspace = key.training && key.fusedReLU
            ? OneDNNMemory(OneDNN.query(forward.descriptor, dnnl_query_workspace_md), owned: true) : nil
        guard key.training else {
            (backward, backwardScratchpad) = (nil, nil)
            return
        }
        var bd = dnnl_batch_normalization_desc_t()
        OneDNN.check(
            dnnl_batch_normalization_backward_desc_init(&bd, dnnl_backward, &data, &data, key.epsilon, flags),
            "batch_normalization_backward_desc_init \(key.dims)")
        let backward = OneDNNPrimitive(&bd, hint: forward.descriptor, "\(label) backward")
        self.backward = backward
        backwardScratchpad = OneDNNScratchpad(for: backward.descriptor)
    }
}
#endif
