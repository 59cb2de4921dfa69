/// Max pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`. Backward routes
/// each output gradient to the input pixel that held the maximum (the first one on ties).
public final class MaxPool2D: Layer {
    /// Dotted path in the model.
    public var path: String = ""
    /// Window side.
    public let kernelSize: Int
    /// Window step.
    public let stride: Int

    private var cachedInputShape: [Int] = []
    private var argmax: [Int32] = []

    /// Creates the layer; `stride` defaults to `kernelSize` (non-overlapping windows).
    public init(kernelSize: Int, stride: Int? = nil) {
        precondition(kernelSize > 0, "MaxPool2D: kernelSize must be positive, got \(kernelSize)")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        precondition(self.stride > 0, "MaxPool2D: stride must be positive, got \(self.stride)")
    }

    public func validateInput(shape: [Int]) -> String? {
        shape.count == 4 && shape[2] >= kernelSize && shape[3] >= kernelSize
            ? nil : shapeMismatch(expected: "[N, C, H, W] with H, W >= \(kernelSize)", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let s = input.shape
        let (h, w, k, st) = (s[2], s[3], kernelSize, stride)
        let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
        let planes = s[0] * s[1]
        var output = Tensor.uninitialized([s[0], s[1], oh, ow])
        let training = context.isTraining
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                argmax.withUnsafeMutableBufferPointer { ab in
                    guard planes > 0 else { return }
                    let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                    let a = SendablePointer(ab.baseAddress!)
                    Parallel.forEach(planes, threads: context.threads) { plane in
                        let xp = x.base + plane * h * w
                        let yp = y.base + plane * oh * ow
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var bestIndex = oy * st * w + ox * st
                                var best = xp[bestIndex]
                                for i in 0..<k {
                                    let rowIndex = (oy * st + i) * w + ox * st
                                    for j in 0..<k {
                                        // Selects instead of a branch: which element wins is data-dependent.
                                        let v = xp[rowIndex + j]
                                        let better = v > best
                                        best = better ? v : best
                                        bestIndex = better ? rowIndex + j : bestIndex
                                    }
                                }
                                yp[oy * ow + ox] = best
                                a.base[plane * oh * ow + oy * ow + ox] = Int32(bestIndex)
                            }
                        }
                    }
                }
            }
        }
        cachedInputShape = training ? s : []
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        let s = cachedInputShape
        guard !s.isEmpty else {
            preconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let (h, w) = (s[2], s[3])
        let (oh, ow) = ((h - kernelSize) / stride + 1, (w - kernelSize) / stride + 1)
        precondition(
            outputGradient.shape == [s[0], s[1], oh, ow],
            "\(layerDescription): expected output gradient \([s[0], s[1], oh, ow]), got \(outputGradient.shape)")
        var inputGradient = Tensor(zeros: s)
        let planes = s[0] * s[1]
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableBufferPointer { db in
                argmax.withUnsafeBufferPointer { ab in
                    guard planes > 0 else { return }
                    let (g, d, a) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!), SendableConstPointer(ab.baseAddress!))
                    // Each plane scatters only into its own input plane.
                    Parallel.forEach(planes, threads: context.threads) { plane in
                        let dp = d.base + plane * h * w
                        for o in (plane * oh * ow)..<((plane + 1) * oh * ow) { dp[Int(a.base[o])] += g.base[o] }
                    }
                }
            }
        }
        return inputGradient
    }
}
