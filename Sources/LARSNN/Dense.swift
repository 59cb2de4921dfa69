/// A fully connected layer: `y = x W^T + b` for `x` of shape `[N, inputCount]`, `W` of shape
/// `[outputCount, inputCount]` (PyTorch's layout) and `y` of shape `[N, outputCount]`.
/// Forward and both backward products are single `gemm` calls (`denseForward`/`denseBackward`).
public final class Dense: Layer {
    /// Features per input row.
    public let inputCount: Int
    /// Features per output row.
    public let outputCount: Int
    /// `[outputCount, inputCount]`, kind `.weight`.
    public let weight: Parameter
    /// `[outputCount]`, kind `.bias`, or `nil` when built without bias.
    public let bias: Parameter?

    private var cachedInput: Tensor?

    /// Creates the layer; the weight is drawn by `weightInitializer` (He normal by default,
    /// fan-in = `inputCount`) and the bias starts at zero. Input `[N, inputCount]` (put a
    /// `Flatten` in front of image-shaped input), output `[N, outputCount]`.
    /// - Parameters:
    ///   - inputCount: features per input row.
    ///   - outputCount: features per output row (the class count for a model's last layer).
    ///   - bias: whether the layer adds a learnt bias.
    ///   - weightInitializer: how the `[outputCount, inputCount]` weight is drawn.
    ///   - generator: the source of the initial weights (a seed fixes them).
    public init(
        inputCount: Int, outputCount: Int, bias: Bool = true,
        weightInitializer: WeightInitializer = .heNormal, generator: inout SeededGenerator
    ) {
        userPrecondition(inputCount > 0 && outputCount > 0, "Dense: sizes must be positive, got \(inputCount) -> \(outputCount)")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.weight = Parameter(
            weightInitializer.make(
                shape: [outputCount, inputCount], fanIn: inputCount, fanOut: outputCount, generator: &generator),
            kind: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outputCount]), kind: .bias) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func validateInput(shape: [Int]) -> String? {
        shape.count == 2 && shape[1] == inputCount ? nil : shapeMismatch(expected: "[N, \(inputCount)]", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let n = input.shape[0]
        var output = Tensor.uninitialized([n, outputCount])
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                guard let yp = y.baseAddress, n > 0 else { return }
                denseForward(
                    output: yp, input: x.baseAddress!, weights: weight.unsafeValues, bias: bias?.unsafeValues, batch: n,
                    inputCount: inputCount, outputCount: outputCount, backend: context.backend)
            }
        }
        cachedInput = context.isTraining ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let input = cachedInput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let n = input.shape[0]
        userPrecondition(
            outputGradient.shape == [n, outputCount],
            "\(layerDescription): expected output gradient [\(n), \(outputCount)], got \(outputGradient.shape)")
        var inputGradient = Tensor.uninitialized([n, inputCount])
        if n == 0 { return inputGradient }
        outputGradient.withUnsafeBufferPointer { dy in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    denseBackward(
                        inputGradient: dx.baseAddress!, weightGradient: weight.unsafeGradients,
                        biasGradient: bias?.unsafeGradients, input: x.baseAddress!, weights: weight.unsafeValues,
                        outputGradient: dy.baseAddress!, batch: n, inputCount: inputCount, outputCount: outputCount,
                        backend: context.backend)
                }
            }
        }
        return inputGradient
    }
}
