/// Flattens everything after the batch axis: `[N, d1, d2, ...] -> [N, d1 * d2 * ...]`. The
/// elements are not moved (a reshape), so it costs nothing.
public final class Flatten: Layer {
    private var cachedInputShape: [Int] = []

    /// Creates the layer.
    public init() {}

    public func validateInput(shape: [Int]) -> String? {
        shape.count >= 2 ? nil : shapeMismatch(expected: "[N, ...] of rank >= 2", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        cachedInputShape = input.shape
        return input.reshaped([input.shape[0], input.shape.dropFirst().reduce(1, *)])
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        userPrecondition(
            !cachedInputShape.isEmpty && outputGradient.count == cachedInputShape.reduce(1, *),
            "\(layerDescription): output gradient \(outputGradient.shape) does not match input \(cachedInputShape)")
        return outputGradient.reshaped(cachedInputShape)
    }
}
