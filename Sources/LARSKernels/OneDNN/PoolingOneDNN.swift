#if canImport(CDNNL)
import CDNNL
#endif

// Max and average pooling on oneDNN's primitives, as free functions over pointers: square
// `kernel x kernel` windows moved by `stride`, no padding. Input `x` and input gradient `dx` are
// `[batch, channels, height, width]`; output `y` and output gradient `dy` are
// `[batch, channels, (height - kernel) / stride + 1, (width - kernel) / stride + 1]`; all four
// are stored as `layout` (NCHW, or oneDNN's `nChw8c`/`nChw16c` between oneDNN layers).
// Primitives are made once per (shape, window, mode) in `cache` and reused.

/// Which pooling: the window's maximum, or its mean (divided by `kernel * kernel`).
public enum PoolingKind: Sendable, Hashable {
    case maximum, average
}

/// Pooling forward on oneDNN: `y` written from `x`. In training (`training`), max pooling keeps
/// where each maximum was (the first in row-major order on ties) in `cache` for the backward.
public func oneDNNPoolingForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, batch: Int, channels: Int, height: Int,
    width: Int, layout: TensorLayout = .plain, kernel: Int, stride: Int, kind: PoolingKind, training: Bool,
    cache: OneDNNPrimitiveCache, threads: Int
) {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let key = OneDNNPoolingPlan.Key(
            dims: [batch, channels, height, width], layout: layout, kernel: kernel, stride: stride, maximum: kind == .maximum,
            training: training, threads: threads)
        let plan = cache.plan(key) { OneDNNPoolingPlan(key) }
        plan.source.bind(x)
        plan.destination.bind(y)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_SRC, plan.source), (DNNL_ARG_DST, plan.destination),
            (DNNL_ARG_SCRATCHPAD, plan.forwardScratchpad.memory),
        ]
        if let workspace = plan.workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
        plan.forward.execute(cache.stream.handle, args)
    #else
        oneDNNMissing()
    #endif
}

/// Pooling backward on oneDNN: `dx` written (zero where no window's gradient lands), each output
/// gradient routed to its window's maximum (max) or spread evenly over the window (average),
/// summed where windows overlap. Must follow the training forward of the same shape and window
/// on `cache`.
public func oneDNNPoolingBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int,
    channels: Int, height: Int, width: Int, layout: TensorLayout = .plain, kernel: Int, stride: Int,
    kind: PoolingKind, cache: OneDNNPrimitiveCache, threads: Int
) {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let key = OneDNNPoolingPlan.Key(
            dims: [batch, channels, height, width], layout: layout, kernel: kernel, stride: stride, maximum: kind == .maximum,
            training: true, threads: threads)
        let plan = cache.plan(key) { OneDNNPoolingPlan(key) }
        guard let backward = plan.backward, let scratchpad = plan.backwardScratchpad else {
            // A plan made for inference has no backward half; reaching here would hand the caller
            // an unwritten gradient, so stop loudly instead.
            fatalError("oneDNN pooling backward: the cached plan for \(key) has no backward primitive")
        }
        plan.outputGradient.bind(dy)
        plan.inputGradient.bind(dx)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_DIFF_DST, plan.outputGradient), (DNNL_ARG_DIFF_SRC, plan.inputGradient),
            (DNNL_ARG_SCRATCHPAD, scratchpad.memory),
        ]
        if let workspace = plan.workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
        backward.execute(cache.stream.handle, args)
    #else
        oneDNNMissing()
    #endif
}
