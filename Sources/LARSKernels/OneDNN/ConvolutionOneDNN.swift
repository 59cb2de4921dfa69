#if canImport(CDNNL)
import CDNNL
#endif

/// oneDNN convolution primitives for the shapes one layer sees, created on first use of each
/// shape and reused; owned by the layer, so each `DataParallel` replica has its own (with its
/// own stream) and never shares one with another thread.
public final class OneDNNConvolutionCache: @unchecked Sendable {
    /// What a plan is made for. The thread count is part of it: oneDNN sizes a primitive's
    /// per-thread scratch for the threads it was created under, and may use that many when it
    /// runs, so a plan made at one thread must not run at two (a replica's share changes with
    /// the batch's split).
    struct Key: Hashable {
        let batch: Int, geometry: ConvGeometry, outputChannels: Int, hasBias: Bool, threads: Int
        let inputLayout: TensorLayout, blockedOutput: Bool
    }
    #if canImport(CDNNL)
        /// Plans, most recently used last.
        var plans: [(key: Key, plan: OneDNNConvolutionPlan)] = []
        lazy var stream = OneDNNStream()

        func plan(
            batch: Int, geometry: ConvGeometry, outputChannels: Int, hasBias: Bool, threads: Int,
            inputLayout: TensorLayout, blockedOutput: Bool
        ) -> OneDNNConvolutionPlan {
            let key = Key(
                batch: batch, geometry: geometry, outputChannels: outputChannels, hasBias: hasBias, threads: threads,
                inputLayout: inputLayout, blockedOutput: blockedOutput)
            if let index = plans.firstIndex(where: { $0.key == key }) {
                let entry = plans.remove(at: index)
                plans.append(entry)
                return entry.plan
            }
            let plan = OneDNNConvolutionPlan(
                batch: batch, geometry: geometry, outputChannels: outputChannels, hasBias: hasBias,
                inputLayout: inputLayout, blockedOutput: blockedOutput)
            if plans.count == Self.capacity { plans.removeFirst() }
            plans.append((key, plan))
            return plan
        }
    #endif

    /// Shapes kept at once (training batch, its last partial batch, evaluation batches); the
    /// least recently used is dropped beyond this, since each holds activation-sized buffers.
    public static let capacity = 4

    /// An empty cache.
    public init() {}

    /// How many shapes have primitives (for tests of reuse).
    public var shapeCount: Int {
        #if canImport(CDNNL)
            return plans.count
        #else
            return 0
        #endif
    }
}

extension ConvGeometry: Hashable {
    public func hash(into hasher: inout Hasher) {
        for v in [channels, height, width, kernelHeight, kernelWidth, strideHeight, strideWidth, paddingHeight,
            paddingWidth]
        {
            hasher.combine(v)
        }
    }
}

/// Traps with a readable message when oneDNN is asked for in a build without it.
func oneDNNMissing() -> Never {
    fatalError("the oneDNN convolution engine is not compiled into this build (install libdnnl-dev and rebuild, or use the openblas engine)")
}

/// Convolution forward on oneDNN: `y = conv(x, w) + b`; returns the layout `y` was written in.
///
/// - `x`: input `[batch, g.channels, g.height, g.width]`, stored as `inputLayout`.
/// - `w`: weights `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]`, OIHW.
/// - `b`: bias `[outputChannels]`, or `nil` for none.
/// - `y`: output `[batch, outputChannels, g.outputHeight, g.outputWidth]`, overwritten: NCHW, or
///   with `blockedOutput` the primitive's blocked layout when it chose `nChw8c` or `nChw16c`.
/// - `threads`: OpenMP threads for this call (set on the calling thread).
@discardableResult
public func oneDNNConvolutionForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    bias b: UnsafePointer<Float>?, batch: Int, geometry g: ConvGeometry, outputChannels: Int,
    inputLayout: TensorLayout = .plain, blockedOutput: Bool = false, cache: OneDNNConvolutionCache, threads: Int
) -> TensorLayout {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let plan = cache.plan(
            batch: batch, geometry: g, outputChannels: outputChannels, hasBias: b != nil, threads: threads,
            inputLayout: inputLayout, blockedOutput: blockedOutput)
        let stream = cache.stream
        plan.source.load(x, stream: stream)
        plan.weights.load(w, stream: stream)
        plan.output.bind(y)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_SRC, plan.source.inner), (DNNL_ARG_WEIGHTS, plan.weights.inner),
            (DNNL_ARG_DST, plan.output.inner), (DNNL_ARG_SCRATCHPAD, plan.scratchpad.memory),
        ]
        if let b, let bias = plan.bias {
            bias.bind(b)
            args.append((DNNL_ARG_BIAS, bias))
        }
        plan.forward.execute(stream.handle, args)
        plan.output.store(stream: stream)
        return plan.outputLayout
    #else
        oneDNNMissing()
    #endif
}

/// Convolution backward on oneDNN: `dx = conv_backward_data(dy, w)` (when `dx` is given),
/// `dw += conv_backward_weights(x, dy)` and `db += sum of dy over images and pixels` (when `dw`
/// is given).
///
/// - `x`: the forward's input `[batch, g.channels, g.height, g.width]`, stored as `inputLayout`.
/// - `w`: weights `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]`, OIHW.
/// - `dy`: output gradient `[batch, outputChannels, g.outputHeight, g.outputWidth]`, in the
///   layout the forward with the same `inputLayout` and `blockedOutput` returned.
/// - `dx`: input gradient, `x`'s shape and layout, overwritten; `nil` to skip it (a first layer).
/// - `dw`: weight gradient, `w`'s shape, accumulated into; `nil` to skip dW and db.
/// - `db`: bias gradient `[outputChannels]`, accumulated into, or `nil` for no bias.
/// - `inputIsFromForward`: `x` is unchanged since the last `oneDNNConvolutionForward` of this
///   shape on `cache` read it, so its reordered copy is reused.
public func oneDNNConvolutionBackward(
    inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
    biasGradient db: UnsafeMutablePointer<Float>?, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, batch: Int, geometry g: ConvGeometry, outputChannels: Int,
    inputLayout: TensorLayout = .plain, blockedOutput: Bool = false, inputIsFromForward: Bool,
    cache: OneDNNConvolutionCache, threads: Int
) {
    #if canImport(CDNNL)
        OneDNN.setThreads(threads)
        let plan = cache.plan(
            batch: batch, geometry: g, outputChannels: outputChannels, hasBias: db != nil, threads: threads,
            inputLayout: inputLayout, blockedOutput: blockedOutput)
        let stream = cache.stream
        let backward = plan.backward
        if let dx {
            backward.outputGradient.load(dy, stream: stream)
            backward.dataWeights.load(w, stream: stream)
            backward.inputGradient.bind(dx)
            backward.backwardData.execute(stream.handle, [
                (DNNL_ARG_DIFF_DST, backward.outputGradient.inner), (DNNL_ARG_WEIGHTS, backward.dataWeights.inner),
                (DNNL_ARG_DIFF_SRC, backward.inputGradient.inner),
                (DNNL_ARG_SCRATCHPAD, backward.dataScratchpad.memory),
            ])
            backward.inputGradient.store(stream: stream)
        }
        guard let dw else { return }
        // Shared with backward-data when both chose the same layout: loaded above already.
        let sharedGradient = dx != nil && backward.weightsOutputGradient === backward.outputGradient
        if !sharedGradient { backward.weightsOutputGradient.load(dy, stream: stream) }
        backward.weightsSource.load(
            x, stream: stream, reuse: inputIsFromForward && backward.weightsSource === plan.source)
        backward.weightGradient.bind(dw)
        var args: [(Int32, OneDNNMemory)] = [
            (DNNL_ARG_SRC, backward.weightsSource.inner), (DNNL_ARG_DIFF_DST, backward.weightsOutputGradient.inner),
            (DNNL_ARG_DIFF_WEIGHTS, backward.weightGradient.inner),
            (DNNL_ARG_SCRATCHPAD, backward.weightsScratchpad.memory),
        ]
        if let db, let biasGradient = backward.biasGradient {
            biasGradient.bind(db)
            args.append((DNNL_ARG_DIFF_BIAS, biasGradient.inner))
        }
        backward.backwardWeights.execute(stream.handle, args)
        backward.weightGradient.store(stream: stream)
        backward.biasGradient?.store(stream: stream)
    #else
        oneDNNMissing()
    #endif
}
