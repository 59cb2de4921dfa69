/// The mean over each feature map: `[N, C, H, W] -> [N, C]`.
public final class GlobalAvgPool2D: Layer {
    /// Dotted path in the model.
    public var path: String = ""
    private var cachedInputShape: [Int] = []

    /// Creates the layer.
    public init() {}

    public func validateInput(shape: [Int]) -> String? {
        shape.count == 4 && shape[2] > 0 && shape[3] > 0 ? nil : shapeMismatch(expected: "[N, C, H, W]", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let s = input.shape
        let (planes, pixels) = (s[0] * s[1], s[2] * s[3])
        let inverse = 1 / Float(pixels)
        var output = Tensor.uninitialized([s[0], s[1]])
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                guard planes > 0 else { return }
                let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                let chunks = elementwiseChunks(input.count, threads: context.threads)
                Parallel.forEach(chunks, threads: context.threads, pool: context.threadPool) { chunk in
                    for plane in chunkRange(chunk, of: chunks, count: planes) {
                        let row = x.base + plane * pixels
                        var sum: Float = 0
                        for p in 0..<pixels { sum += row[p] }
                        y.base[plane] = sum * inverse
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
        userPrecondition(
            outputGradient.shape == [s[0], s[1]],
            "\(layerDescription): expected output gradient \([s[0], s[1]]), got \(outputGradient.shape)")
        let (planes, pixels) = (s[0] * s[1], s[2] * s[3])
        let inverse = 1 / Float(pixels)
        var inputGradient = Tensor.uninitialized(s)
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableBufferPointer { db in
                guard planes > 0 else { return }
                let (g, d) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!))
                let chunks = elementwiseChunks(planes * pixels, threads: context.threads)
                Parallel.forEach(chunks, threads: context.threads, pool: context.threadPool) { chunk in
                    for plane in chunkRange(chunk, of: chunks, count: planes) {
                        (d.base + plane * pixels).update(repeating: g.base[plane] * inverse, count: pixels)
                    }
                }
            }
        }
        return inputGradient
    }
}
