/// The mean over each feature map: `[N, C, H, W] -> [N, C]`. Reads a channel-blocked input as
/// it is (no reorder) and hands its gradient back in the input's layout; the output is plain.
/// The arithmetic is `globalAveragePoolForward`/`Backward`, the same on both engines.
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
        let s = input.shape
        var output = Tensor.uninitialized([s[0], s[1]])
        input.withUnsafeStorage { x in
            output.withUnsafeMutableStorage { y in
                guard input.count > 0 else { return }
                globalAveragePoolForward(
                    output: y.baseAddress!, input: x.baseAddress!, batch: s[0], channels: s[1], pixels: s[2] * s[3],
                    layout: input.layout, threads: context.threads, pool: context.threadPool)
            }
        }
        cachedInputShape = context.isTraining ? s : []
        cachedInputLayout = input.layout
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
        var inputGradient = Tensor.uninitialized(s, layout: cachedInputLayout)
        outputGradient.withUnsafeBufferPointer { dy in
            inputGradient.withUnsafeMutableStorage { dx in
                guard dx.count > 0 else { return }
                globalAveragePoolBackward(
                    inputGradient: dx.baseAddress!, outputGradient: dy.baseAddress!, batch: s[0], channels: s[1],
                    pixels: s[2] * s[3], layout: cachedInputLayout, threads: context.threads, pool: context.threadPool)
            }
        }
        return inputGradient
    }
}
