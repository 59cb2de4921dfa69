/// Inverted dropout: in training, each element is zeroed with probability `probability` and
/// the survivors are scaled by `1 / (1 - probability)`, so evaluation is the identity. The mask
/// comes from the layer's own `SeededGenerator`, so a seeded run is reproducible.
public final class Dropout: Layer {
    /// Chance of dropping each element, in `[0, 1)`.
    public let probability: Float
    /// The stream the masks are drawn from; it advances with every training-mode forward.
    /// Saving and restoring it reproduces the masks.
    public var generator: SeededGenerator
    private var mask: [Float] = []
    private var hasMask = false

    /// Creates the layer with its own generator seeded by `seed`.
    public init(probability: Float, seed: UInt64) {
        userPrecondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        guard context.isTraining else {
            hasMask = false
            return input
        }
        let count = input.count
        if mask.count != count { mask = [Float](repeating: 0, count: count) }
        let keep = 1 - probability
        let survivorScale = 1 / keep
        // The mask is drawn serially: the generator's stream order must not depend on threads.
        mask.withUnsafeMutableBufferPointer { m in
            for i in 0..<count { m[i] = generator.nextUnitFloat() < keep ? survivorScale : 0 }
        }
        hasMask = true
        var output = input
        output.withUnsafeMutableBufferPointer { y in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<count { y[i] *= m[i] }
            }
        }
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        userPrecondition(hasMask, "\(layerDescription): backward called without a training-mode forward")
        userPrecondition(
            outputGradient.count == mask.count,
            "\(layerDescription): output gradient \(outputGradient.shape) does not match the last input (\(mask.count) elements)")
        var inputGradient = outputGradient
        inputGradient.withUnsafeMutableBufferPointer { g in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<g.count { g[i] *= m[i] }
            }
        }
        return inputGradient
    }
}
