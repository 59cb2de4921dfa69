/// Average pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`, each window's mean.
/// With `context.runsOneDNNNormalizationAndPooling` oneDNN's average pooling runs instead
/// (`PoolingOneDNN.swift`) on the input as stored (NCHW or
/// channel-blocked), equal up to rounding.
public final class AvgPool2D: Layer {
    /// Window side.
    public var kernelSize: Int { window.size }
    /// Window step.
    public var stride: Int { window.stride }
    private let window: PoolingWindow
    private var cachedInputShape: [Int] = []
    /// Whether the latest forward (training or evaluation) ran on oneDNN (`PoolingOneDNN.swift`),
    /// and its primitives; backward, which needs a training forward's input, follows it.
    private var forwardOnOneDNN = false
    /// The layout of the latest oneDNN forward's input and output, which its backward keeps.
    private var forwardLayout = TensorLayout.plain
    private let oneDNNCache = OneDNNPrimitiveCache()

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil) {
        window = PoolingWindow(layer: "AvgPool2D", size: kernelSize, stride: stride)
    }

    public func validateInput(shape: [Int]) -> String? {
        window.validate(shape, for: self)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let s = input.shape
        forwardOnOneDNN = context.runsOneDNNNormalizationAndPooling
        if forwardOnOneDNN {
            cachedInputShape = context.isTraining ? s : []
            forwardLayout = input.layout
            return PoolingOnOneDNN.forward(
                input, kernel: kernelSize, stride: stride, kind: .average, cache: oneDNNCache, context: context)
        }
        let (h, w, k, st) = (s[2], s[3], kernelSize, stride)
        let (oh, ow) = window.outputSize(height: h, width: w)
        let planes = s[0] * s[1]
        let inverseArea = 1 / Float(k * k)
        var output = Tensor.uninitialized([s[0], s[1], oh, ow])
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                guard planes > 0 else { return }
                let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                Parallel.forEach(planes, threads: context.threads, pool: context.threadPool) { plane in
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
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let (h, w, k, st) = (s[2], s[3], kernelSize, stride)
        let (oh, ow) = window.outputSize(height: h, width: w)
        window.requireOutputGradient(outputGradient, input: s, for: self)
        if forwardOnOneDNN {
            return PoolingOnOneDNN.backward(
                outputGradient.stored(as: forwardLayout), inputShape: s, layout: forwardLayout, kernel: kernelSize,
                stride: stride, kind: .average, cache: oneDNNCache, context: context)
        }
        let planes = s[0] * s[1]
        let inverseArea = 1 / Float(k * k)
        var inputGradient = Tensor(zeros: s)
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableBufferPointer { db in
                guard planes > 0 else { return }
                let (g, d) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!))
                Parallel.forEach(planes, threads: context.threads, pool: context.threadPool) { plane in
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
