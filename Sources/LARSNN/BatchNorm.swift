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

    /// Creates the layer with scale 1, shift 0, running mean 0 and running variance 1.
    public init(featureCount: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(featureCount > 0, "BatchNorm: featureCount must be positive, got \(featureCount)")
        precondition(momentum >= 0 && momentum <= 1, "BatchNorm: momentum must be in [0, 1], got \(momentum)")
        precondition(epsilon > 0, "BatchNorm: epsilon must be positive, got \(epsilon)")
        self.featureCount = featureCount
        self.momentum = momentum
        self.epsilon = epsilon
        self.scale = Parameter(Tensor(ones: [featureCount]), kind: .normScale)
        self.shift = Parameter(Tensor(zeros: [featureCount]), kind: .normShift)
        self.runningMean = Buffer(Tensor(zeros: [featureCount]))
        self.runningVariance = Buffer(Tensor(ones: [featureCount]))
    }

    public var namedParameters: [NamedParameter] {
        [NamedParameter(name: qualified("scale"), parameter: scale),
         NamedParameter(name: qualified("shift"), parameter: shift)]
    }

    public var namedBuffers: [NamedBuffer] {
        [NamedBuffer(name: qualified("runningMean"), buffer: runningMean),
         NamedBuffer(name: qualified("runningVariance"), buffer: runningVariance)]
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
            precondition(m > 1, "\(layerDescription): training needs more than one value per channel, got input \(shape)")
            var mean = [Float](repeating: 0, count: c)
            var inverseStd = [Float](repeating: 0, count: c)
            var variance = [Float](repeating: 0, count: c)
            input.withUnsafeBufferPointer { xb in
                mean.withUnsafeMutableBufferPointer { meanB in
                    inverseStd.withUnsafeMutableBufferPointer { istdB in
                        variance.withUnsafeMutableBufferPointer { varB in
                            let x = SendableConstPointer(xb.baseAddress!)
                            let (meanP, istdP, varP) = (SendablePointer(meanB.baseAddress!), SendablePointer(istdB.baseAddress!), SendablePointer(varB.baseAddress!))
                            let eps = epsilon
                            Parallel.forEach(c, threads: threads) { ch in
                                // Two passes (mean, then squared deviations) avoid the
                                // cancellation of E[x^2] - E[x]^2.
                                var sum: Double = 0
                                for i in 0..<n {
                                    let row = x.base + (i * c + ch) * pixels
                                    sum += Double(VectorLoops.sum(row, pixels))
                                }
                                let mu = Float(sum / Double(m))
                                var squares: Double = 0
                                for i in 0..<n {
                                    let row = x.base + (i * c + ch) * pixels
                                    squares += Double(VectorLoops.squaredDeviations(row, pixels, mean: mu))
                                }
                                let v = Float(squares / Double(m))
                                meanP.base[ch] = mu
                                varP.base[ch] = v
                                istdP.base[ch] = 1 / (v + eps).squareRoot()
                            }
                        }
                    }
                }
            }
            // Running statistics (PyTorch convention, unbiased variance).
            let unbiased = Float(m) / Float(m - 1)
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
        } else {
            let mean = runningMean.value.scalars
            let inverseStd = runningVariance.value.scalars.map { 1 / ($0 + epsilon).squareRoot() }
            applyAffine(input, &output, mean: mean, inverseStd: inverseStd, pixels: pixels, threads: threads)
            cachedInput = nil
        }
        return output
    }

    /// `y = gamma * (x - mean) * inverseStd + beta`, folded into one multiply-add per element.
    private func applyAffine(
        _ input: Tensor, _ output: inout Tensor, mean: [Float], inverseStd: [Float], pixels: Int, threads: Int
    ) {
        let c = featureCount
        var a = [Float](repeating: 0, count: c)
        var b = [Float](repeating: 0, count: c)
        scale.value.withUnsafeBufferPointer { gamma in
            shift.value.withUnsafeBufferPointer { beta in
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
            preconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        precondition(
            outputGradient.shape == input.shape,
            "\(layerDescription): expected output gradient \(input.shape), got \(outputGradient.shape)")
        let shape = input.shape
        let (n, c) = (shape[0], featureCount)
        let pixels = shape.count == 4 ? shape[2] * shape[3] : 1
        let m = Float(n * pixels)
        var inputGradient = Tensor.uninitialized(shape)
        input.withUnsafeBufferPointer { xb in
            outputGradient.withUnsafeBufferPointer { dyb in
                inputGradient.withUnsafeMutableBufferPointer { dxb in
                    scale.value.withUnsafeBufferPointer { gb in
                        scale.grad.withUnsafeMutableBufferPointer { dgb in
                            shift.grad.withUnsafeMutableBufferPointer { dbb in
                                batchMean.withUnsafeBufferPointer { meanB in
                                    batchInverseStd.withUnsafeBufferPointer { istdB in
                                        let x = SendableConstPointer(xb.baseAddress!)
                                        let dy = SendableConstPointer(dyb.baseAddress!)
                                        let dx = SendablePointer(dxb.baseAddress!)
                                        let gamma = SendableConstPointer(gb.baseAddress!)
                                        let dgamma = SendablePointer(dgb.baseAddress!)
                                        let dbeta = SendablePointer(dbb.baseAddress!)
                                        let mean = SendableConstPointer(meanB.baseAddress!)
                                        let istd = SendableConstPointer(istdB.baseAddress!)
                                        Parallel.forEach(c, threads: context.threads) { ch in
                                            let (mu, s) = (mean.base[ch], istd.base[ch])
                                            var sumDy: Double = 0
                                            var sumDyXhat: Double = 0
                                            for i in 0..<n {
                                                let offset = (i * c + ch) * pixels
                                                let (xr, gr) = (x.base + offset, dy.base + offset)
                                                let (pd, pdx) = VectorLoops.sumAndCentredDot(gr, xr, pixels, mean: mu)
                                                sumDy += Double(pd)
                                                sumDyXhat += Double(pdx)
                                            }
                                            sumDyXhat *= Double(s)
                                            dgamma.base[ch] += Float(sumDyXhat)
                                            dbeta.base[ch] += Float(sumDy)
                                            // dx = gamma * istd * (dy - mean(dy) - xhat * mean(dy * xhat)).
                                            let k = gamma.base[ch] * s
                                            let meanDy = Float(sumDy) / m
                                            let slope = Float(sumDyXhat) / m * s
                                            for i in 0..<n {
                                                let offset = (i * c + ch) * pixels
                                                let (xr, gr, dr) = (x.base + offset, dy.base + offset, dx.base + offset)
                                                VectorLoops.batchNormInputGradient(
                                                    gr, xr, dr, pixels, k: k, meanG: meanDy, mean: mu, slope: slope)
                                            }
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
