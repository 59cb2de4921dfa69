/// How a layer draws its initial weights. Every random choice comes from a caller-supplied
/// `SeededGenerator`, so the same seed gives the same model on every machine.
///
/// `fanIn` is inputs per output unit (`inputChannels * kh * kw` for a convolution), `fanOut`
/// outputs per input unit (`outputChannels * kh * kw`).
public enum WeightInitializer: Sendable, Equatable {
    /// He (Kaiming) normal: `N(0, 2 / fanIn)`, for layers followed by ReLU (He et al. 2015).
    case heNormal
    /// He (Kaiming) uniform: `U(-b, b)` with `b = sqrt(6 / fanIn)` (same variance as `heNormal`).
    case heUniform
    /// PyTorch's default for `nn.Linear` and `nn.Conv2d` weights (`kaiming_uniform_` with
    /// `a = sqrt(5)`): `U(-b, b)` with `b = 1 / sqrt(fanIn)`, a third of He's variance. The
    /// built-in models draw their dense layers from it so that a fresh model's logits are small
    /// and its first loss is close to ln(classes).
    case pytorchDefault
    /// Glorot (Xavier) uniform: `U(-b, b)` with `b = sqrt(6 / (fanIn + fanOut))`.
    case glorotUniform
    /// A (semi-)orthogonal matrix of shape `[shape[0], rest]` times `gain` (Saxe et al. 2014),
    /// from the LAPACK QR of a Gaussian matrix.
    case orthogonal(gain: Float)
    /// All zeros (biases, BatchNorm shift).
    case zeros
    /// All ones (BatchNorm scale).
    case ones

    /// A tensor of `shape` drawn from this distribution.
    public func make(shape: [Int], fanIn: Int, fanOut: Int, generator: inout SeededGenerator) -> Tensor {
        switch self {
        case .heNormal:
            userPrecondition(fanIn > 0, "heNormal needs a positive fan-in, got \(fanIn)")
            return Tensor(normal: shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), generator: &generator)
        case .heUniform:
            userPrecondition(fanIn > 0, "heUniform needs a positive fan-in, got \(fanIn)")
            let bound = (6 / Float(fanIn)).squareRoot()
            return Tensor(uniform: shape, lower: -bound, upper: bound, generator: &generator)
        case .pytorchDefault:
            userPrecondition(fanIn > 0, "pytorchDefault needs a positive fan-in, got \(fanIn)")
            let bound = 1 / Float(fanIn).squareRoot()
            return Tensor(uniform: shape, lower: -bound, upper: bound, generator: &generator)
        case .glorotUniform:
            userPrecondition(fanIn + fanOut > 0, "glorotUniform needs a positive fan-in + fan-out")
            let bound = (6 / Float(fanIn + fanOut)).squareRoot()
            return Tensor(uniform: shape, lower: -bound, upper: bound, generator: &generator)
        case .orthogonal(let gain):
            userPrecondition(shape.count >= 2, "orthogonal initialisation needs rank >= 2, got shape \(shape)")
            let matrix = [shape[0], shape.dropFirst().reduce(1, *)]
            do {
                return try Tensor(orthogonal: matrix, gain: gain, generator: &generator).reshaped(shape)
            } catch {
                userPreconditionFailure("orthogonal initialisation of shape \(shape) failed: \(error)")
            }
        case .zeros:
            return Tensor(zeros: shape)
        case .ones:
            return Tensor(ones: shape)
        }
    }
}
