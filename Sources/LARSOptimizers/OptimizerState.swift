import LARSCore

/// An optimizer's resumable state as named tensors and scalars, ready to be written into a
/// safetensors checkpoint next to the model. Keys are prefixed with the optimizer and buffer,
/// then the parameter name: `lars.momentum.stage1.block0.conv1.weight`, `lars.stepCount`.
public struct OptimizerState: Sendable, Equatable {
    /// Per-parameter buffers (momentum, first and second moments).
    public var tensors: [String: Tensor]
    /// Counters and other scalars (`<prefix>.stepCount`). Doubles hold every Int up to 2^53 exactly.
    public var scalars: [String: Double]

    /// Creates a state from its parts.
    public init(tensors: [String: Tensor] = [:], scalars: [String: Double] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }

    /// Adds the entries of `other`; keys present in both take `other`'s values.
    public mutating func merge(_ other: OptimizerState) {
        tensors.merge(other.tensors) { _, new in new }
        scalars.merge(other.scalars) { _, new in new }
    }
}
