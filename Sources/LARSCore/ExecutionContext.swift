@_exported import LARSKernels

/// What a computation needs to know about where and how it runs, passed explicitly to every
/// layer and optimizer call instead of living in a mutable global.
public struct ExecutionContext: Sendable {
    /// The kernels that run matrix multiplies, norms and vector updates.
    public var backend: any KernelBackend
    /// Whether layers are training (cache activations, use batch statistics, apply dropout).
    public var isTraining: Bool
    /// Threads for the Swift-side work (im2col, BatchNorm, pooling, activations) and for
    /// oneDNN's OpenMP threads, which each call sets on its calling thread.
    public var threads: Int
    /// Which library runs `Conv2D`: oneDNN or im2col + `backend.gemm`.
    public var convolutionEngine: ConvolutionEngine
    /// Whether `BatchNorm` (fused with a following `ReLU`) and `AvgPool2D` run on oneDNN's
    /// primitives too when `convolutionEngine` is `.onednn`, with the activations kept in oneDNN's
    /// channel-blocked layout between these layers (`runsOneDNNNormalizationAndPooling`). On by default:
    /// training steps are faster than with convolutions alone (docs/performance.md). A BatchNorm whose statistics are summed over replicas or
    /// processes, and `MaxPool2D` on blocked input, run Swift walks over the blocks instead.
    /// Off: only `Conv2D` runs on oneDNN and every layer sees NCHW; the results agree to rounding.
    ///
    /// A layer whose input stays NCHW (channels that do not fill whole blocks of 8, `[N, C]`
    /// vectors, pooling of the raw images) runs oneDNN's plain-layout kernels when this is on,
    /// which are slower than the Swift loops (docs/engines.md); switch it off for such models.
    public var oneDNNNormalizationAndPooling: Bool

    /// Creates a context. The default is OpenBLAS, training mode, two threads, and the build's
    /// default convolution engine (oneDNN when compiled in, im2col + OpenBLAS otherwise).
    ///
    /// The first context a process makes also applies `HeapTuning.keepLargeBlocksInHeap()`
    /// (once, process-wide): every computation takes a context, so a hand-written training loop
    /// is as fast as `lars-train` without knowing about it.
    public init(
        backend: any KernelBackend = OpenBLASBackend(), isTraining: Bool = true, threads: Int = 2,
        convolutionEngine: ConvolutionEngine = .default, oneDNNNormalizationAndPooling: Bool = true
    ) {
        userPrecondition(threads >= 1, "ExecutionContext needs at least one thread, got \(threads)")
        _ = Self.heapTuned
        self.backend = backend
        self.isTraining = isTraining
        self.threads = threads
        self.convolutionEngine = convolutionEngine
        self.oneDNNNormalizationAndPooling = oneDNNNormalizationAndPooling
    }

    /// The pool the layers' own parallel loops (BatchNorm, pooling, activations) run on: on the
    /// oneDNN engine the calling thread's OpenMP team, so that one pool of `threads` threads runs
    /// a model's whole step (each `DataParallel` replica's thread leads its own team of its
    /// share); on the OpenBLAS engine Dispatch's threads, beside OpenBLAS's (which do not spin
    /// against them the way OpenMP's would).
    public var threadPool: ThreadPool { convolutionEngine == .onednn ? .openMP : .dispatch }

    /// Whether the heap tuning took effect; evaluated once, by the first context.
    private static let heapTuned = HeapTuning.keepLargeBlocksInHeap()

    /// Whether BatchNorm and pooling layers run on oneDNN in this context: the switch
    /// `oneDNNNormalizationAndPooling` on the oneDNN engine. Then oneDNN convolutions also hand
    /// their outputs on in oneDNN's channel-blocked layout (`TensorLayout.channelBlocked`), which
    /// BatchNorm, pooling, ReLU and the residual add keep, since the fast kernels need it.
    public var runsOneDNNNormalizationAndPooling: Bool {
        convolutionEngine == .onednn && oneDNNNormalizationAndPooling
    }

    /// The same context in evaluation mode.
    public var evaluating: ExecutionContext {
        var copy = self
        copy.isTraining = false
        return copy
    }

    /// The same context in training mode.
    public var training: ExecutionContext {
        var copy = self
        copy.isTraining = true
        return copy
    }
}
