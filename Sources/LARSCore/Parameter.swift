/// A trainable tensor: a named view (offset, count, shape, kind) into a `ParameterStore`, whose
/// value and gradient buffers hold it, and what kind of parameter it is, so an optimizer can
/// treat weights, biases and normalisation parameters differently without guessing from names.
///
/// It is a class because layers and optimizers share it: the layer writes the gradient, the
/// optimizer reads it and updates the value in place. Hot code reaches the elements through
/// `withValues`/`withGradients` (or the unsafe pointers); `value` and `grad` copy to and from
/// `Tensor`s for code where a copy does not matter (tests, checkpoints, logs).
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
    /// The tensor shape of the value and of the gradient.
    public let shape: [Int]
    /// The number of elements, `shape.reduce(1, *)`.
    public let count: Int
    /// The store holding this parameter (its own until a model binds its parameters).
    public private(set) var store: ParameterStore
    /// The position of the first element in the store's buffers (a multiple of
    /// `ParameterStore.alignment`).
    public private(set) var offset: Int

    /// Creates a parameter with the given value and a zero gradient of the same shape, in a store
    /// of its own.
    public init(_ value: Tensor, kind: Kind) {
        self.kind = kind
        self.shape = value.shape
        self.count = value.count
        self.store = ParameterStore(count: ParameterStore.paddedCount(value.count), memberCount: 1)
        self.offset = 0
        value.withUnsafeBufferPointer { v in
            if let base = v.baseAddress { store.values.update(from: base, count: v.count) }
        }
    }

    /// Called by `ParameterStore.bind` after copying the elements to `store` at `offset`.
    func move(to store: ParameterStore, offset: Int) {
        self.store = store
        self.offset = offset
    }

    /// The first value element. Valid while this parameter lives and is not rebound; prefer
    /// `withValues` unless a loop takes the pointers of many parameters at once.
    public var unsafeValues: UnsafeMutablePointer<Float> { store.values + offset }
    /// The first gradient element (see `unsafeValues`).
    public var unsafeGradients: UnsafeMutablePointer<Float> { store.gradients + offset }

    /// Read and write access to the `count` value elements for kernels.
    @inlinable
    public func withValues<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeMutableBufferPointer(start: unsafeValues, count: count)) }
    }

    /// Read and write access to the `count` gradient elements for kernels.
    @inlinable
    public func withGradients<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) { try body(UnsafeMutableBufferPointer(start: unsafeGradients, count: count)) }
    }

    /// A copy of the current value; setting it copies a tensor of the same shape in.
    public var value: Tensor {
        get { withValues { Tensor(shape: shape, scalars: Array($0)) } }
        set { assign(newValue, to: "value") { withValues($0) } }
    }

    /// A copy of dL/dvalue, accumulated by `backward` until `zeroGrad()`; setting it copies a
    /// tensor of the same shape in.
    public var grad: Tensor {
        get { withGradients { Tensor(shape: shape, scalars: Array($0)) } }
        set { assign(newValue, to: "grad") { withGradients($0) } }
    }

    private func assign(
        _ tensor: Tensor, to what: String, _ access: ((UnsafeMutableBufferPointer<Float>) -> Void) -> Void
    ) {
        guard tensor.shape == shape else {
            fatalError("Parameter: cannot set \(what) of shape \(shape) to a tensor of shape \(tensor.shape)")
        }
        tensor.withUnsafeBufferPointer { source in
            access { target in _ = target.update(fromContentsOf: source) }
        }
    }

    /// Sets the gradient to zero in place.
    public func zeroGrad() {
        unsafeGradients.update(repeating: 0, count: count)
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
