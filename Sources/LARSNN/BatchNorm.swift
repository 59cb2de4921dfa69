/// Batch normalisation (Ioffe & Szegedy 2015) over the channel axis of NCHW feature maps
/// `[N, C, H, W]` or of vectors `[N, C]`; the output has the input's shape.
///
/// Training uses the batch's statistics over `N * H * W` values per channel (biased variance
/// for the normalisation) and updates the running statistics with PyTorch's convention:
/// `running = (1 - momentum) * running + momentum * batch`, `momentum = 0.1`, where the running
/// variance takes the *unbiased* batch variance (`M / (M - 1)` times the biased one).
/// Evaluation normalises with the running statistics.
///
/// The arithmetic is in free functions: `BatchNormReference.swift` (Swift loops, Double sums;
/// `BatchNormReferenceBlocked.swift` for channel-blocked input), or oneDNN's
/// batch-normalization primitives (`BatchNormOneDNN.swift`) when
/// `context.runsOneDNNNormalizationAndPooling` and no `statisticsReducer` is set. The output
/// and dL/dx keep the input's layout. A container that runs a `ReLU` right after the layer may
/// fuse the two on oneDNN (`forward(_:context:fusingReLU:)`).
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
    /// Batch mean of the latest training forward, `[C]`; the biased variance (oneDNN path only:
    /// its backward reads it) and `1 / sqrt(variance + epsilon)` (reference path only).
    var batchMean: [Float] = []
    var batchVariance: [Float] = []
    private var batchInverseStd: [Float] = []
    /// Values per channel behind `batchMean`: over all processes when synchronised.
    private var batchCount: Double = 0
    /// Whether the latest training forward ran on oneDNN, and whether it applied a ReLU too
    /// (then backward takes the gradient of `relu(bn(x))`).
    var forwardOnOneDNN = false
    var forwardFusedReLU = false
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

    /// Whether `forward` runs on oneDNN in `context` (so a following ReLU can be fused): the
    /// context asks for it, and no statistics reducer, whose sums oneDNN's primitive cannot take.
    func runsOnOneDNN(_ context: ExecutionContext) -> Bool {
        context.runsOneDNNNormalizationAndPooling && statisticsReducer == nil
    }

    /// The layer's output, or `relu(output)` when `fusingReLU` (only where `runsOnOneDNN`).
    func forward(_ input: Tensor, context: ExecutionContext, fusingReLU: Bool) -> Tensor {
        requireValidInput(input.shape)
        let shape = input.shape
        let (n, c) = (shape[0], featureCount)
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        let m = n * pixels
        let reducer = statisticsReducer
        if context.isTraining {
            userPrecondition(m > 0, "\(layerDescription): training needs at least one value per channel, got input \(shape)")
            if reducer == nil { requireMoreThanOneValue(Double(m), shape: shape) }
        }
        if runsOnOneDNN(context) {
            return oneDNNForward(input, batch: n, pixels: pixels, fusingReLU: fusingReLU, context: context)
        }
        userPrecondition(!fusingReLU, "\(layerDescription): a fused ReLU needs the oneDNN engine")
        var output = Tensor.uninitialized(shape, layout: input.layout)
        var mean: [Float], inverseStd: [Float]
        if context.isTraining {
            mean = [Float](repeating: 0, count: c)
            var variance = [Float](repeating: 0, count: c)
            inverseStd = [Float](repeating: 0, count: c)
            let total = input.withUnsafeStorage { xb in
                withPointers(&mean, &variance, &inverseStd) { mp, vp, sp in
                    batchNormReferenceStatistics(
                        mean: mp, variance: vp, inverseStd: sp, input: xb.baseAddress!, batch: n, channels: c,
                        pixels: pixels, layout: input.layout, epsilon: epsilon, reducer: reducer, threads: context.threads, pool: context.threadPool)
                }
            }
            if reducer != nil { requireMoreThanOneValue(total, shape: shape) }
            updateRunningStatistics(mean: mean, variance: variance, count: total)
            cachedInput = input
            batchMean = mean
            batchInverseStd = inverseStd
            batchCount = total
            forwardOnOneDNN = false
            forwardFusedReLU = false
        } else {
            mean = runningMean.value.scalars
            inverseStd = runningVariance.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
            cachedInput = nil
        }
        input.withUnsafeStorage { xb in
            output.withUnsafeMutableStorage { yb in
                scale.withValues { gamma in
                    shift.withValues { beta in
                        batchNormReferenceNormalize(
                            output: yb.baseAddress!, input: xb.baseAddress!, gamma: gamma.baseAddress!,
                            beta: beta.baseAddress!, mean: mean, inverseStd: inverseStd, batch: n, channels: c,
                            pixels: pixels, layout: input.layout, threads: context.threads, pool: context.threadPool)
                    }
                }
            }
        }
        return output
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
        let n = shape[0]
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        if forwardOnOneDNN { return oneDNNBackward(outputGradient, input: input, batch: n, pixels: pixels, context: context) }
        let outputGradient = outputGradient.stored(as: input.layout)
        var inputGradient = Tensor.uninitialized(shape, layout: input.layout)
        let (c, count, reducer, layout) = (featureCount, batchCount, statisticsReducer, input.layout)
        input.withUnsafeStorage { xb in
            outputGradient.withUnsafeStorage { dyb in
                inputGradient.withUnsafeMutableStorage { dxb in
                    scale.withValues { gamma in
                        scale.withGradients { dgamma in
                            shift.withGradients { dbeta in
                                batchNormReferenceBackward(
                                    inputGradient: dxb.baseAddress!, scaleGradient: dgamma.baseAddress!,
                                    shiftGradient: dbeta.baseAddress!, input: xb.baseAddress!,
                                    outputGradient: dyb.baseAddress!, gamma: gamma.baseAddress!, mean: batchMean,
                                    inverseStd: batchInverseStd, batch: n, channels: c, pixels: pixels, layout: layout,
                                    count: count,
                                    reducer: reducer, threads: context.threads, pool: context.threadPool)
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

/// Calls `body` with the base addresses of three arrays.
func withPointers<R>(
    _ a: inout [Float], _ b: inout [Float], _ c: inout [Float],
    _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R
) -> R {
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeMutableBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in body(ap.baseAddress!, bp.baseAddress!, cp.baseAddress!) }
        }
    }
}
