/// Batch normalisation (Ioffe & Szegedy 2015) over the channel axis of NCHW feature maps
/// `[N, C, H, W]` or of vectors `[N, C]`; the output has the input's shape.
///
/// Training uses the batch's statistics over `N * H * W` values per channel (biased variance
/// for the normalisation) and updates the running statistics with PyTorch's convention:
/// `running = (1 - momentum) * running + momentum * batch`, `momentum = 0.1`, where the running
/// variance takes the *unbiased* batch variance (`M / (M - 1)` times the biased one).
/// Evaluation normalises with the running statistics.
///
/// The arithmetic is `context.batchNormKernels(statistics: statisticsReducer)`'s: oneDNN's
/// batch-normalization primitives when `context.runsOneDNNNormalizationAndPooling` and no
/// `statisticsReducer` is set, the Swift loops (Double sums, plain or channel-blocked walks)
/// otherwise. The output and dL/dx keep the input's layout. `LayerChain` fuses a `ReLU` right
/// after the layer into it where the kernels can (`forward(_:context:fusingReLU:)`).
///
/// Parameters `scale` (gamma, kind `.normScale`, ones) and `<path>.shift` (beta, kind
/// `.normShift`, zeros); buffers `runningMean` (zeros) and `runningVariance` (ones), under the layer's path.
public final class BatchNorm: Layer {
    /// Channels (features) `C`.
    public let featureCount: Int
    /// Weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Gamma, `[C]`.
    public let scale: Parameter
    /// Beta, `[C]`.
    public let shift: Parameter
    /// Running mean, `[C]`.
    public let runningMean: Buffer
    /// Running (unbiased) variance, `[C]`.
    public let runningVariance: Buffer

    /// The latest training forward's input, kept for backward.
    var cachedInput: Tensor?
    /// Batch mean and biased variance of the latest training forward, `[C]`.
    var batchMean: [Float] = []
    var batchVariance: [Float] = []
    /// Values per channel behind `batchMean`: over all replicas and processes when synchronised.
    private var batchCount: Double = 0
    /// How the latest training forward ran, which its backward follows.
    var forwardRecord = BatchNormForwardRecord.reference
    /// oneDNN primitives per input shape and mode (used when the context asks for oneDNN).
    let oneDNNCache = OneDNNPrimitiveCache()
    /// How many (shape, mode) combinations have oneDNN primitives in this layer.
    public var oneDNNShapeCount: Int { oneDNNCache.shapeCount }

    /// Sums the training statistics over the processes of a data-parallel job (synchronised
    /// BatchNorm), or `nil` for this process's own batch statistics (the default, as in
    /// PyTorch DDP). With a reducer, every process must run the same training-mode forward
    /// and backward calls; evaluation never calls it. Parameter gradients stay local sums.
    public var statisticsReducer: (any BatchStatisticsReducer)?

    /// Creates the layer with scale 1, shift 0, running mean 0 and running variance 1.
    public init(featureCount: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        userPrecondition(featureCount > 0, "BatchNorm: featureCount must be positive, got \(featureCount)")
        userPrecondition(momentum >= 0 && momentum <= 1, "BatchNorm: momentum must be in [0, 1], got \(momentum)")
        userPrecondition(epsilon > 0, "BatchNorm: epsilon must be positive, got \(epsilon)")
        self.featureCount = featureCount
        self.momentum = momentum
        self.epsilon = epsilon
        self.scale = Parameter(Tensor(ones: [featureCount]), kind: .normScale)
        self.shift = Parameter(Tensor(zeros: [featureCount]), kind: .normShift)
        self.runningMean = Buffer(Tensor(zeros: [featureCount]))
        self.runningVariance = Buffer(Tensor(ones: [featureCount]))
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("scale", scale), ("shift", shift)] }

    public var ownBuffers: [(name: String, buffer: Buffer)] {
        [("runningMean", runningMean), ("runningVariance", runningVariance)]
    }

    public func validateInput(shape: [Int]) -> String? {
        if (shape.count == 2 || shape.count == 4) && shape[1] == featureCount { return nil }
        return shapeMismatch(expected: "[N, \(featureCount), H, W] or [N, \(featureCount)]", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        forward(input, context: context, fusingReLU: false)
    }

    /// The kernels `forward` runs in `context`, which say whether a following ReLU can be fused.
    func kernels(_ context: ExecutionContext) -> BatchNormKernels {
        context.batchNormKernels(statistics: statisticsReducer)
    }

    /// The layer's output, or `relu(output)` when `fusingReLU` (only where the kernels fuse).
    func forward(_ input: Tensor, context: ExecutionContext, fusingReLU: Bool) -> Tensor {
        requireValidInput(input.shape)
        let kernels = kernels(context)
        let shape = input.shape
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        let m = shape[0] * pixels
        if context.isTraining {
            userPrecondition(m > 0, "\(layerDescription): training needs at least one value per channel, got input \(shape)")
            if statisticsReducer == nil { requireMoreThanOneValue(Double(m), shape: shape) }
        }
        userPrecondition(!fusingReLU || kernels.fusesReLU, "\(layerDescription): a fused ReLU needs the oneDNN engine")
        var output = Tensor.uninitialized(shape, layout: input.layout)
        if context.isTraining {
            trainingForward(input, output: &output, pixels: pixels, fusingReLU: fusingReLU, kernels: kernels)
        } else {
            cachedInput = nil
            let (runningM, runningV) = (runningMean.value, runningVariance.value)
            input.withUnsafeStorage { xb in
                output.withUnsafeMutableStorage { yb in
                    withParameters { gamma, beta in
                        runningM.withUnsafeBufferPointer { mb in
                            runningV.withUnsafeBufferPointer { vb in
                                kernels.inferenceForward(
                                    output: yb.baseAddress!, input: xb.baseAddress!, scale: gamma, shift: beta,
                                    mean: mb.baseAddress!, variance: vb.baseAddress!, batch: shape[0],
                                    channels: featureCount, pixels: pixels, layout: input.layout, epsilon: epsilon,
                                    fusedReLU: fusingReLU, cache: oneDNNCache)
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The training half of `forward`: batch statistics, output, running statistics, caches.
    private func trainingForward(
        _ input: Tensor, output: inout Tensor, pixels: Int, fusingReLU: Bool, kernels: BatchNormKernels
    ) {
        var mean = [Float](repeating: 0, count: featureCount)
        var variance = [Float](repeating: 0, count: featureCount)
        let total = input.withUnsafeStorage { xb in
            output.withUnsafeMutableStorage { yb in
                withParameters { gamma, beta in
                    kernels.trainingForward(
                        output: yb.baseAddress!, input: xb.baseAddress!, scale: gamma, shift: beta, mean: &mean,
                        variance: &variance, batch: input.shape[0], channels: featureCount, pixels: pixels,
                        layout: input.layout, epsilon: epsilon, fusedReLU: fusingReLU, cache: oneDNNCache)
                }
            }
        }
        if statisticsReducer != nil { requireMoreThanOneValue(total, shape: input.shape) }
        updateRunningStatistics(mean: mean, variance: variance, count: total)
        cachedInput = input
        batchMean = mean
        batchVariance = variance
        batchCount = total
        forwardRecord = BatchNormForwardRecord(ranOnOneDNN: kernels.usesOneDNN, fusedReLU: fusingReLU)
    }

    /// Calls `body` with the addresses of gamma's and beta's values.
    private func withParameters<R>(_ body: (UnsafePointer<Float>, UnsafePointer<Float>) -> R) -> R {
        scale.withValues { gamma in shift.withValues { beta in body(gamma.baseAddress!, beta.baseAddress!) } }
    }

    /// Stops unless a channel has more than one value (`total`, over all processes when synchronised).
    private func requireMoreThanOneValue(_ total: Double, shape: [Int]) {
        userPrecondition(total > 1, "\(layerDescription): training needs more than one value per channel, got input \(shape)\(statisticsReducer == nil ? "" : " (\(Int(total)) values over all processes)")")
    }

    /// Moves the running statistics towards a batch's `mean` and biased `variance` over `count` values.
    func updateRunningStatistics(mean: [Float], variance: [Float], count: Double) {
        let (c, mom) = (featureCount, momentum)
        runningMean.value.withUnsafeMutableBufferPointer { rm in
            runningVariance.value.withUnsafeMutableBufferPointer { rv in
                batchNormUpdateRunningStatistics(
                    runningMean: rm.baseAddress!, runningVariance: rv.baseAddress!, mean: mean, variance: variance,
                    channels: c, momentum: mom, count: count)
            }
        }
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let input = cachedInput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        userPrecondition(
            outputGradient.shape == input.shape,
            "\(layerDescription): expected output gradient \(input.shape), got \(outputGradient.shape)")
        let shape = input.shape
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        let outputGradient = outputGradient.stored(as: input.layout)
        var inputGradient = Tensor.uninitialized(shape, layout: input.layout)
        let kernels = kernels(context)
        input.withUnsafeStorage { xb in
            outputGradient.withUnsafeStorage { dyb in
                inputGradient.withUnsafeMutableStorage { dxb in
                    withParameters { gamma, beta in
                        scale.withGradients { dgamma in
                            shift.withGradients { dbeta in
                                kernels.backward(
                                    inputGradient: dxb.baseAddress!, scaleGradient: dgamma.baseAddress!,
                                    shiftGradient: dbeta.baseAddress!, input: xb.baseAddress!,
                                    outputGradient: dyb.baseAddress!, scale: gamma, shift: beta, mean: batchMean,
                                    variance: batchVariance, count: batchCount, batch: shape[0], channels: featureCount,
                                    pixels: pixels, layout: input.layout, epsilon: epsilon, forward: forwardRecord,
                                    cache: oneDNNCache)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
