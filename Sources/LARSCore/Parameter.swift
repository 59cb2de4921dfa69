/// A trainable tensor: its value, the gradient that `backward` accumulates into it, and what
/// kind of parameter it is, so an optimizer can treat weights, biases and normalisation
/// parameters differently without guessing from names.
///
/// It is a class because layers and optimizers share it: the layer writes `grad`, the optimizer
/// reads it and updates `value` in place.
public final class Parameter {
    /// The role of a parameter, which decides its default optimizer group.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A convolution or dense weight (adapted and decayed by LARS by default).
        case weight
        /// An additive bias.
        case bias
        /// A normalisation layer's scale (gamma).
        case normScale
        /// A normalisation layer's shift (beta).
        case normShift
    }

    /// The role of this parameter.
    public let kind: Kind
    /// The current value.
    public var value: Tensor
    /// dL/dvalue, accumulated by `backward` until `zeroGrad()`.
    public var grad: Tensor

    /// Creates a parameter with the given value and a zero gradient of the same shape.
    public init(_ value: Tensor, kind: Kind) {
        self.kind = kind
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }

    /// Sets the gradient to zero without reallocating it.
    public func zeroGrad() {
        grad.fill(0)
    }
}

/// A non-trainable tensor that is part of a model's state (BatchNorm running mean and variance):
/// saved in checkpoints, never seen by an optimizer.
public final class Buffer {
    /// The current value.
    public var value: Tensor
    /// Wraps `value`.
    public init(_ value: Tensor) { self.value = value }
}

/// A parameter with its stable dotted name, such as `stage2.block0.shortcut.bn.scale`.
public struct NamedParameter {
    /// The dotted path of the parameter in its model.
    public let name: String
    /// The parameter itself.
    public let parameter: Parameter
    /// Pairs a name with a parameter.
    public init(name: String, parameter: Parameter) {
        self.name = name
        self.parameter = parameter
    }
}

/// A buffer with its stable dotted name, such as `stage1.block0.bn1.runningMean`.
public struct NamedBuffer {
    /// The dotted path of the buffer in its model.
    public let name: String
    /// The buffer itself.
    public let buffer: Buffer
    /// Pairs a name with a buffer.
    public init(name: String, buffer: Buffer) {
        self.name = name
        self.buffer = buffer
    }
}
