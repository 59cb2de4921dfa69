// The per-operation kernels a context selects: each layer asks its context for the kernels of
// its operation and calls them, so no layer branches on the engine.

extension ExecutionContext {
    /// `Conv2D`'s arithmetic on `convolutionEngine`, with this context's backend and threads;
    /// a oneDNN forward hands its output on blocked when `runsOneDNNNormalizationAndPooling`.
    public var convolutionKernels: ConvolutionKernels {
        ConvolutionKernels(
            engine: convolutionEngine, backend: backend, threads: threads,
            blocksOutput: runsOneDNNNormalizationAndPooling)
    }
}

extension ExecutionContext {
    /// `MaxPool2D`'s and `AvgPool2D`'s arithmetic: oneDNN's primitives when
    /// `runsOneDNNNormalizationAndPooling`, the Swift loops otherwise, on `threadPool`.
    public var poolingKernels: PoolingKernels {
        PoolingKernels(usesOneDNN: runsOneDNNNormalizationAndPooling, threads: threads, pool: threadPool)
    }
}

extension ExecutionContext {
    /// `BatchNorm`'s arithmetic for a layer whose statistics `statistics` sums over replicas or
    /// processes (`nil`: its own batch): oneDNN's primitives when
    /// `runsOneDNNNormalizationAndPooling` and no reducer, the Swift loops otherwise.
    public func batchNormKernels(statistics: (any BatchStatisticsReducer)?) -> BatchNormKernels {
        BatchNormKernels(
            oneDNN: runsOneDNNNormalizationAndPooling, statistics: statistics, threads: threads, pool: threadPool)
    }
}
