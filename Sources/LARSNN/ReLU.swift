/// The rectifier `y = max(x, 0)`, element-wise, any shape. Backward passes the gradient where
/// the output is positive (the subgradient at 0 is taken as 0). The output keeps the input's
/// layout (element-wise work does not care about the order). The arithmetic is
/// `reluForward`/`reluBackward`, the same on both engines.
public final class ReLU: Layer {
    private var cachedOutput: Tensor?
    /// Whether the latest forward was fused into the BatchNorm before it (`LayerChain`), whose
    /// backward then applies this layer's mask: this layer's backward passes the gradient on.
    private var fusedIntoBatchNorm = false

    /// Creates the layer.
    public init() {}

    /// Records that the preceding BatchNorm applied this ReLU in its own forward (`LayerChain`).
    func wasFused(context: ExecutionContext) {
        cachedOutput = nil
        fusedIntoBatchNorm = context.isTraining
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        fusedIntoBatchNorm = false
        var output = Tensor.uninitialized(input.shape, layout: input.layout)
        let count = input.count
        input.withUnsafeStorage { x in
            output.withUnsafeMutableStorage { y in
                guard count > 0 else { return }
                reluForward(
                    output: y.baseAddress!, input: x.baseAddress!, count: count, threads: context.threads,
                    pool: context.threadPool)
            }
        }
        cachedOutput = context.isTraining ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        if fusedIntoBatchNorm { return outputGradient }
        guard let output = cachedOutput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        userPrecondition(
            outputGradient.shape == output.shape,
            "\(layerDescription): expected output gradient \(output.shape), got \(outputGradient.shape)")
        let outputGradient = outputGradient.stored(as: output.layout)
        var inputGradient = Tensor.uninitialized(output.shape, layout: output.layout)
        let count = output.count
        output.withUnsafeStorage { y in
            outputGradient.withUnsafeStorage { dy in
                inputGradient.withUnsafeMutableStorage { dx in
                    guard count > 0 else { return }
                    reluBackward(
                        inputGradient: dx.baseAddress!, outputGradient: dy.baseAddress!, output: y.baseAddress!,
                        count: count, threads: context.threads, pool: context.threadPool)
                }
            }
        }
        return inputGradient
    }
}
