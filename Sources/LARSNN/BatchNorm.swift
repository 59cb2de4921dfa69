/// Batch normalisation (Ioffe & Szegedy 2015) over the channel axis of NCHW feature maps
/// `[N, C, H, W]` or of vectors `[N, C]`; the output has the input's shape.
///
/// Training uses the batch's statistics over `N * H * W` values per channel (biased variance
/// for the normalisation) and updates the running statistics with PyTorch's convention:
/// `running = (1 - momentum) * running + momentum * batch`, `momentum = 0.1`, where the running
/// variance takes the *unbiased* batch variance (`M / (M - 1)` times the biased one).
/// Evaluation normalises with the running statistics.
///
/// Parameters `<path>.scale` (gamma, kind `.normScale`, ones) and `<path>.shift` (beta, kind
/// `.normShift`, zeros); buffers `<path>.runningMean` (zeros) and `<path>.runningVariance` (ones).
public final class BatchNorm: Layer {
    /// Dotted path in the model.
    public var path: String = ""
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

    private var cachedInput: Tensor?
    private var batchMean: [Float] = []
    private var batchInverseStd: [Float] = []
    /// Values per channel behind `batchMean`: over all processes when synchronised.
    private var batchCount: Double = 0

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
        requireValidInput(input.shape)
        let shape = input.shape
        let (n, c) = (shape[0], featureCount)
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        let m = n * pixels
        var output = Tensor.uninitialized(shape)
        let threads = context.threads
        if context.isTraining {
            userPrecondition(m > 0, "\(layerDescription): training needs at least one value per channel, got input \(shape)")
            let reducer = statisticsReducer
            // Two passes (mean, then squared deviations) avoid the cancellation of
            // E[x^2] - E[x]^2. Each pass is one parallel loop over channels, so that a
            // reducer can sum its per-channel results over the processes in between.
            // sums[c] carries the value count, so one reduction gives the global count too.
            var sums = [Double](repeating: 0, count: c + 1)
            channelReduction(input, into: &sums, threads: threads) { row, _ in
                Double(VectorLoops.sum(row, pixels))
            }
            sums[c] = Double(m)
            if let reducer { sums.withUnsafeMutableBufferPointer { reducer.sum($0) } }
            let total = sums[c]
            userPrecondition(total > 1, "\(layerDescription): training needs more than one value per channel, got input \(shape)\(reducer == nil ? "" : " (\(Int(total)) values over all processes)")")
            var mean = [Float](repeating: 0, count: c)
            for ch in 0..<c { mean[ch] = Float(sums[ch] / total) }
            var squares = [Double](repeating: 0, count: c)
            mean.withUnsafeBufferPointer { meanB in
                let meanP = SendableConstPointer(meanB.baseAddress!)
                channelReduction(input, into: &squares, threads: threads) { row, ch in
                    Double(VectorLoops.squaredDeviations(row, pixels, mean: meanP.base[ch]))
                }
            }
            if let reducer { squares.withUnsafeMutableBufferPointer { reducer.sum($0) } }
            var variance = [Float](repeating: 0, count: c)
            var inverseStd = [Float](repeating: 0, count: c)
            for ch in 0..<c {
                variance[ch] = Float(squares[ch] / total)
                inverseStd[ch] = 1 / (variance[ch] + epsilon).squareRoot()
            }
            // Running statistics (PyTorch convention, unbiased variance).
            let unbiased = Float(total) / Float(total - 1)
            let mom = momentum
            runningMean.value.withUnsafeMutableBufferPointer { rm in
                runningVariance.value.withUnsafeMutableBufferPointer { rv in
                    for ch in 0..<c {
                        rm[ch] = (1 - mom) * rm[ch] + mom * mean[ch]
                        rv[ch] = (1 - mom) * rv[ch] + mom * variance[ch] * unbiased
                    }
                }
            }
            applyAffine(input, &output, mean: mean, inverseStd: inverseStd, pixels: pixels, threads: threads)
            cachedInput = input
            batchMean = mean
            batchInverseStd = inverseStd
            batchCount = total
        } else {
            let mean = runningMean.value.scalars
            let inverseStd = runningVariance.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
            applyAffine(input, &output, mean: mean, inverseStd: inverseStd, pixels: pixels, threads: threads)
            cachedInput = nil
        }
        return output
    }

    /// `out[ch] = sum over the N rows of channel ch of body(row, ch)`, in Double, one parallel
    /// task per channel; `row` points at the `pixels` values of one (sample, channel) pair.
    /// Elements of `out` past the channel count are left alone.
    private func channelReduction(
        _ input: Tensor, into out: inout [Double], threads: Int,
        _ body: @Sendable (UnsafePointer<Float>, Int) -> Double
    ) {
        let c = featureCount
        let n = input.shape[0]
        let pixels = input.count / max(n * c, 1)
        input.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let (x, o) = (SendableConstPointer(xb.baseAddress!), SendablePointer(ob.baseAddress!))
                Parallel.forEach(c, threads: threads) { ch in
                    var total: Double = 0
                    for i in 0..<n { total += body(x.base + (i * c + ch) * pixels, ch) }
                    o.base[ch] = total
                }
            }
        }
    }

    /// `y = gamma * (x - mean) * inverseStd + beta`, folded into one multiply-add per element.
    private func applyAffine(
        _ input: Tensor, _ output: inout Tensor, mean: [Float], inverseStd: [Float], pixels: Int, threads: Int
    ) {
        let c = featureCount
        var a = [Float](repeating: 0, count: c)
        var b = [Float](repeating: 0, count: c)
        scale.withValues { gamma in
            shift.withValues { beta in
                for ch in 0..<c {
                    a[ch] = gamma[ch] * inverseStd[ch]
                    b[ch] = beta[ch] - mean[ch] * a[ch]
                }
            }
        }
        let rows = input.count / pixels
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                a.withUnsafeBufferPointer { ab in
                    b.withUnsafeBufferPointer { bb in
                        let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                        let (ap, bp) = (SendableConstPointer(ab.baseAddress!), SendableConstPointer(bb.baseAddress!))
                        let chunks = elementwiseChunks(input.count, threads: threads)
                        Parallel.forEach(chunks, threads: threads) { chunk in
                            for row in chunkRange(chunk, of: chunks, count: rows) {
                                let ch = row % c
                                let (scaleC, shiftC) = (ap.base[ch], bp.base[ch])
                                let xr = x.base + row * pixels
                                let yr = y.base + row * pixels
                                VectorLoops.affine(xr, yr, pixels, a: scaleC, b: shiftC)
                            }
                        }
                    }
                }
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
        let (n, c) = (shape[0], featureCount)
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        var inputGradient = Tensor.uninitialized(shape)
        // Phase 1: per-channel sums of dy and dy * xhat over this process's batch;
        // sums[0..<c] = Σ dy, sums[c..<2c] = Σ dy * xhat.
        var sums = [Double](repeating: 0, count: 2 * c)
        input.withUnsafeBufferPointer { xb in
            outputGradient.withUnsafeBufferPointer { dyb in
                sums.withUnsafeMutableBufferPointer { sb in
                    batchMean.withUnsafeBufferPointer { meanB in
                        batchInverseStd.withUnsafeBufferPointer { istdB in
                            let x = SendableConstPointer(xb.baseAddress!)
                            let dy = SendableConstPointer(dyb.baseAddress!)
                            let out = SendablePointer(sb.baseAddress!)
                            let mean = SendableConstPointer(meanB.baseAddress!)
                            let istd = SendableConstPointer(istdB.baseAddress!)
                            Parallel.forEach(c, threads: context.threads) { ch in
                                var sumDy: Double = 0
                                var sumDyXhat: Double = 0
                                for i in 0..<n {
                                    let offset = (i * c + ch) * pixels
                                    let (pd, pdx) = VectorLoops.sumAndCentredDot(
                                        dy.base + offset, x.base + offset, pixels, mean: mean.base[ch])
                                    sumDy += Double(pd)
                                    sumDyXhat += Double(pdx)
                                }
                                out.base[ch] = sumDy
                                out.base[c + ch] = sumDyXhat * Double(istd.base[ch])
                            }
                        }
                    }
                }
            }
        }
        // Parameter gradients are this process's own sums: the trainer sums them afterwards.
        shift.withGradients { dbeta in
            scale.withGradients { dgamma in
                for ch in 0..<c {
                    dbeta[ch] += Float(sums[ch])
                    dgamma[ch] += Float(sums[c + ch])
                }
            }
        }
        // dx depends on the batch means of dy and dy * xhat: over all processes when synchronised.
        if let reducer = statisticsReducer { sums.withUnsafeMutableBufferPointer { reducer.sum($0) } }
        let m = Float(batchCount)
        input.withUnsafeBufferPointer { xb in
            outputGradient.withUnsafeBufferPointer { dyb in
                inputGradient.withUnsafeMutableBufferPointer { dxb in
                    scale.withValues { gb in
                        sums.withUnsafeBufferPointer { sb in
                            batchMean.withUnsafeBufferPointer { meanB in
                                batchInverseStd.withUnsafeBufferPointer { istdB in
                                    let x = SendableConstPointer(xb.baseAddress!)
                                    let dy = SendableConstPointer(dyb.baseAddress!)
                                    let dx = SendablePointer(dxb.baseAddress!)
                                    let gamma = SendableConstPointer(gb.baseAddress!)
                                    let totals = SendableConstPointer(sb.baseAddress!)
                                    let mean = SendableConstPointer(meanB.baseAddress!)
                                    let istd = SendableConstPointer(istdB.baseAddress!)
                                    Parallel.forEach(c, threads: context.threads) { ch in
                                        let (mu, s) = (mean.base[ch], istd.base[ch])
                                        // dx = gamma * istd * (dy - mean(dy) - xhat * mean(dy * xhat)).
                                        let k = gamma.base[ch] * s
                                        let meanDy = Float(totals.base[ch]) / m
                                        let slope = Float(totals.base[c + ch]) / m * s
                                        for i in 0..<n {
                                            let offset = (i * c + ch) * pixels
                                            VectorLoops.batchNormInputGradient(
                                                dy.base + offset, x.base + offset, dx.base + offset, pixels,
                                                k: k, meanG: meanDy, mean: mu, slope: slope)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
