#if canImport(CDNNL)
import CDNNL
#endif

// Batch normalization on oneDNN's primitives, as free functions over pointers. Layout: `x`, `y`,
// `dy`, `dx` are `[batch, channels, pixels]` (`pixels = H * W`, 1 for `[N, C]` vectors), all four
// stored as `layout` (NCHW, or oneDNN's `nChw8c`/`nChw16c` between oneDNN layers);
// `scale` (gamma), `shift` (beta), `mean` and `variance` are `[channels]`. Primitives are made
// once per (shape, mode) in `cache` and reused.

/// BatchNorm training forward on oneDNN: the batch statistics over `batch * pixels` values per
/// channel, then `y = scale * (x - mean) / sqrt(variance + epsilon) + shift`, and `y = max(y, 0)`
/// when `fusedReLU`.
///
/// - `y`: output, written. `x`: input.
/// - `mean`, `variance`: written, the batch mean and *biased* variance (divided by the count).
/// - A following `oneDNNBatchNormBackward` with the same shape, `fusedReLU` and `cache` uses the
///   ReLU mask this call keeps in the cache.
public func oneDNNBatchNormForwardTraining(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
    shift: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, pixels: Int, layout: TensorLayout = .plain, epsilon: Float, fusedReLU: Bool,
    cache: OneDNNPrimitiveCache, threads: Int
) {
    oneDNNBatchNormForward(
        y, x, scale, shift, mean, variance, dims: [batch, channels, pixels, 1], layout: layout, epsilon: epsilon,
        training: true, fusedReLU: fusedReLU, cache: cache, threads: threads)
}

/// BatchNorm inference forward on oneDNN with given statistics:
/// `y = scale * (x - mean) / sqrt(variance + epsilon) + shift`, and `y = max(y, 0)` when `fusedReLU`.
///
/// - `y`: output, written. `x`: input.
/// - `mean`, `variance`: read, the running statistics.
public func oneDNNBatchNormForwardInference(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
    shift: UnsafePointer<Float>, mean: UnsafePointer<Float>, variance: UnsafePointer<Float>,
    batch: Int, channels: Int, pixels: Int, layout: TensorLayout = .plain, epsilon: Float, fusedReLU: Bool,
    cache: OneDNNPrimitiveCache, threads: Int
) {
    oneDNNBatchNormForward(
        y, x, scale, shift, mean, variance, dims: [batch, channels, pixels, 1], layout: layout, epsilon: epsilon,
        training: false, fusedReLU: fusedReLU, cache: cache, threads: threads)
}

/// BatchNorm backward on oneDNN with batch statistics (the full derivative through the mean and
/// variance): `dx` written, `dscale += sum(dy * xhat)`, `dshift += sum(dy)`; with `fusedReLU`, `dy`
/// is the gradient of `max(y, 0)` and is first masked where the forward's `y <= 0`.
///
/// - `dx`: input gradient, written. `dscale`, `dshift`: `[channels]`, accumulated into.
/// - `x`: the forward's input; `dy`: the output gradient.
/// - `scale`, `shift`: gamma and beta (oneDNN 2.6 requires beta too, though dx does not depend
///   on it); `mean`, `variance`: what `oneDNNBatchNormForwardTraining` returned.
/// - Must follow the training forward of the same shape and `fusedReLU` on `cache`.
public func oneDNNBatchNormBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, scaleGradient dscale: UnsafeMutablePointer<Float>,
    shiftGradient dshift: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, variance: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int,
    layout: TensorLayout = .plain, epsilon: Float, fusedReLU: Bool, cache: OneDNNPrimitiveCache, threads: Int
) {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let key = OneDNNBatchNormPlan.Key(
            dims: [batch, channels, pixels, 1], layout: layout, epsilon: epsilon, training: true,
            fusedReLU: fusedReLU, threads: threads)
        let plan = cache.plan(key) { OneDNNBatchNormPlan(key) }
        guard let backward = plan.backward, let scratchpad = plan.backwardScratchpad else {
            // A plan made for inference has no backward half; reaching here would hand the caller
            // an unwritten gradient, so stop loudly instead.
            fatalError("oneDNN BatchNorm backward: the cached plan for \(key) has no backward primitive")
        }
        plan.source.bind(x)
        plan.outputGradient.bind(dy)
        plan.inputGradient.bind(dx)
        plan.scale.bind(scale)
        plan.shift.bind(shift)
        plan.mean.bind(mean)
        plan.variance.bind(variance)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_SRC, plan.source), (DNNL_ARG_MEAN, plan.mean), (DNNL_ARG_VARIANCE, plan.variance),
            (DNNL_ARG_DIFF_DST, plan.outputGradient), (DNNL_ARG_SCALE, plan.scale), (DNNL_ARG_SHIFT, plan.shift),
            (DNNL_ARG_DIFF_SRC, plan.inputGradient), (DNNL_ARG_DIFF_SCALE, plan.scaleGradient),
            (DNNL_ARG_DIFF_SHIFT, plan.shiftGradient), (DNNL_ARG_SCRATCHPAD, scratchpad.memory),
        ]
        if let workspace = plan.workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
        backward.execute(cache.stream.handle, args)
        let ds = plan.scaleGradient.buffer!.pointer.assumingMemoryBound(to: Float.self)
        let dh = plan.shiftGradient.buffer!.pointer.assumingMemoryBound(to: Float.self)
        for ch in 0..<channels {
            dscale[ch] += ds[ch]
            dshift[ch] += dh[ch]
        }
    #else
        oneDNNMissing()
    #endif
}

/// The forward of both modes: `mean` and `variance` are outputs in training, inputs otherwise.
private func oneDNNBatchNormForward(
    _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ scale: UnsafePointer<Float>,
    _ shift: UnsafePointer<Float>, _ mean: UnsafePointer<Float>, _ variance: UnsafePointer<Float>,
    dims: [Int], layout: TensorLayout, epsilon: Float, training: Bool, fusedReLU: Bool, cache: OneDNNPrimitiveCache,
    threads: Int
) {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let key = OneDNNBatchNormPlan.Key(
            dims: dims, layout: layout, epsilon: epsilon, training: training, fusedReLU: fusedReLU, threads: threads)
        let plan = cache.plan(key) { OneDNNBatchNormPlan(key) }
        plan.source.bind(x)
        plan.destination.bind(y)
        plan.scale.bind(scale)
        plan.shift.bind(shift)
        plan.mean.bind(mean)
        plan.variance.bind(variance)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_SRC, plan.source), (DNNL_ARG_DST, plan.destination), (DNNL_ARG_SCALE, plan.scale),
            (DNNL_ARG_SHIFT, plan.shift), (DNNL_ARG_MEAN, plan.mean), (DNNL_ARG_VARIANCE, plan.variance),
            (DNNL_ARG_SCRATCHPAD, plan.forwardScratchpad.memory),
        ]
        if let workspace = plan.workspace { args.append((DNNL_ARG_WORKSPACE, workspace)) }
        plan.forward.execute(cache.stream.handle, args)
    #else
        oneDNNMissing()
    #endif
}
