/// Average pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`.
public final class AvgPool2D: Layer {
    /// Dotted path in the model.
    public var path: String = ""
    /// Window side.
    public let kernelSize: Int
    /// Window step.
    public let stride: Int
    private var cachedInputShape: [Int] = []

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil) {
        precondition(kernelSize > 0, "AvgPool2D: kernelSize must be positive, got \(kernelSize)")
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        precondition(self.stride > 0, "AvgPool2D: stride must be positive, got \(self.stride)")
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
        let inverseArea = 1 / Float(k * k)
        var output = Tensor.uninitialized([s[0], s[1], oh, ow])
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                guard planes > 0 else { return }
                let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                Parallel.forEach(planes, threads: context.threads) { plane in
                    let xp = x.base + plane * h * w
                    let yp = y.base + plane * oh * ow
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            var sum: Float = 0
                            for i in 0..<k {
                                let row = xp + (oy * st + i) * w + ox * st
                                for j in 0..<k { sum += row[j] }
                            }
                            yp[oy * ow + ox] = sum * inverseArea
                        }
                    }
                }
            }
        }
        cachedInputShape = context.isTraining ? s : []
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        let s = cachedInputShape
        guard !s.isEmpty else {
            preconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let (h, w, k, st) = (s[2], s[3], kernelSize, stride)
        let (oh, ow) = ((h - k) / st + 1, (w - k) / st + 1)
        precondition(
            outputGradient.shape == [s[0], s[1], oh, ow],
            "\(layerDescription): expected output gradient \([s[0], s[1], oh, ow]), got \(outputGradient.shape)")
        let planes = s[0] * s[1]
        let inverseArea = 1 / Float(k * k)
        var inputGradient = Tensor(zeros: s)
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableBufferPointer { db in
                guard planes > 0 else { return }
                let (g, d) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!))
                Parallel.forEach(planes, threads: context.threads) { plane in
                    let gp = g.base + plane * oh * ow
                    let dp = d.base + plane * h * w
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let share = gp[oy * ow + ox] * inverseArea
                            for i in 0..<k {
                                let row = dp + (oy * st + i) * w + ox * st
                                for j in 0..<k { row[j] += share }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
