/// The mean over each feature map: `[N, C, H, W] -> [N, C]`. Reads a channel-blocked input as
/// it is (no reorder) and hands its gradient back in the input's layout; the output is plain.
public final class GlobalAvgPool2D: Layer {
    private var cachedInputShape: [Int] = []
    private var cachedInputLayout = TensorLayout.plain

    /// Creates the layer.
    public init() {}

    public func validateInput(shape: [Int]) -> String? {
        shape.count == 4 && shape[2] > 0 && shape[3] > 0 ? nil : shapeMismatch(expected: "[N, C, H, W]", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        if let b = input.layout.channelBlock { return blockedForward(input, block: b, context: context) }
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
        cachedInputLayout = .plain
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
        if let b = cachedInputLayout.channelBlock {
            return blockedBackward(outputGradient, inputShape: s, block: b, context: context)
        }
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

    /// The forward on a `nChw<b>c` input: each block's `b` channel sums run side by side.
    private func blockedForward(_ input: Tensor, block b: Int, context: ExecutionContext) -> Tensor {
        let s = input.shape
        let (groups, pixels) = (s[0] * s[1] / b, s[2] * s[3])
        let inverse = 1 / Float(pixels)
        var output = Tensor.uninitialized([s[0], s[1]])
        input.withUnsafeStorage { xb in
            output.withUnsafeMutableBufferPointer { yb in
                guard groups > 0 else { return }
                let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                let chunks = elementwiseChunks(input.count, threads: context.threads)
                Parallel.forEach(chunks, threads: context.threads, pool: context.threadPool) { chunk in
                    // Group `g` is channels g*b ..< (g+1)*b of one image, which are also the
                    // output's consecutive entries g*b ..< (g+1)*b.
                    for g in chunkRange(chunk, of: chunks, count: groups) {
                        let sums = y.base + g * b
                        sums.update(repeating: 0, count: b)
                        var pixel = x.base + g * pixels * b
                        for _ in 0..<pixels {
                            for lane in 0..<b { sums[lane] += pixel[lane] }
                            pixel += b
                        }
                        for lane in 0..<b { sums[lane] *= inverse }
                    }
                }
            }
        }
        cachedInputShape = context.isTraining ? s : []
        cachedInputLayout = input.layout
        return output
    }

    /// The backward to a `nChw<b>c` input: every pixel of a channel gets its mean's gradient.
    private func blockedBackward(
        _ outputGradient: Tensor, inputShape s: [Int], block b: Int, context: ExecutionContext
    ) -> Tensor {
        let (groups, pixels) = (s[0] * s[1] / b, s[2] * s[3])
        let inverse = 1 / Float(pixels)
        var inputGradient = Tensor.uninitialized(s, layout: .channelBlocked(b))
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableStorage { db in
                guard groups > 0 else { return }
                let (g, d) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!))
                let chunks = elementwiseChunks(groups * pixels * b, threads: context.threads)
                Parallel.forEach(chunks, threads: context.threads, pool: context.threadPool) { chunk in
                    for group in chunkRange(chunk, of: chunks, count: groups) {
                        let means = g.base + group * b
                        var pixel = d.base + group * pixels * b
                        for _ in 0..<pixels {
                            for lane in 0..<b { pixel[lane] = means[lane] * inverse }
                            pixel += b
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
