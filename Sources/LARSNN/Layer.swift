/// A building block of a model with an explicit forward and backward pass (as in Caffe and
/// llm.c): no autodiff tape, just two methods that are easy to read and to check by finite
/// differences.
///
/// Contract:
/// - `forward` in training mode (`context.isTraining`) caches what `backward` needs.
/// - `backward` takes dL/dy for the output of the latest training-mode `forward`,
///   **accumulates** dL/dθ into each parameter's `grad` (call `zeroGrad()` between steps) and
///   returns dL/dx.
/// - Layers are reference types confined to one thread at a time; they are not `Sendable`.
public protocol Layer: AnyObject {
    /// The layer's dotted path in its model (`stage2.block0.conv1`), used in error messages and
    /// as the prefix of its parameters' names. Containers set it on their children.
    var path: String { get set }

    /// Computes the layer's output for `input`.
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor

    /// Back-propagates `outputGradient` (dL/dy); returns dL/dx and accumulates parameter gradients.
    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor

    /// This layer's own trainable parameters under local names (`weight`, `bias`), without its
    /// children's. A layer states only these; the dotted names (`stage1.block0.conv1.weight`)
    /// are composed from the paths its containers give it (`namedParameters`).
    var ownParameters: [(name: String, parameter: Parameter)] { get }

    /// This layer's own buffers (BatchNorm running statistics) under local names.
    var ownBuffers: [(name: String, buffer: Buffer)] { get }

    /// The trainable parameters of this layer and its children, with dotted names. Default: the
    /// own parameters under `path`, then each sublayer's, in order.
    var namedParameters: [NamedParameter] { get }

    /// The non-trainable state of this layer and its children, with dotted names. Default: the
    /// own buffers under `path`, then each sublayer's, in order.
    var namedBuffers: [NamedBuffer] { get }

    /// The layers this one runs, for walking a model (finding its BatchNorm layers, say): a
    /// container returns its children, a `DataParallel` its primary replica. Default: none, which
    /// is right for every layer that holds no other layer; a container must return its children.
    var sublayers: [any Layer] { get }

    /// Why `shape` cannot be this layer's input, as a message naming the layer, the expected and
    /// the received shape; `nil` when it fits. `forward` stops with this message.
    func validateInput(shape: [Int]) -> String?
}

extension Layer {
    /// Layers without parameters of their own have none.
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    /// Layers without buffers of their own have none.
    public var ownBuffers: [(name: String, buffer: Buffer)] { [] }
    /// The own parameters under `path`, then each sublayer's named parameters, in order.
    public var namedParameters: [NamedParameter] {
        ownParameters.map { NamedParameter(name: qualified($0.name), parameter: $0.parameter) }
            + sublayers.flatMap(\.namedParameters)
    }
    /// The own buffers under `path`, then each sublayer's named buffers, in order.
    public var namedBuffers: [NamedBuffer] {
        ownBuffers.map { NamedBuffer(name: qualified($0.name), buffer: $0.buffer) } + sublayers.flatMap(\.namedBuffers)
    }
    /// Layers that hold no other layer have no sublayers.
    public var sublayers: [any Layer] { [] }
    /// Layers that accept any shape accept every shape.
    public func validateInput(shape: [Int]) -> String? { nil }

    /// `forward`, spelled as a call.
    public func callAsFunction(_ input: Tensor, context: ExecutionContext) -> Tensor {
        forward(input, context: context)
    }

    /// All trainable parameters, in a stable order.
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// The number of trainable scalars.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }

    /// Moves every parameter of this layer and its children into one `ParameterStore`, in
    /// `namedParameters` order, and returns it; a no-op when they already fill one. Model builders
    /// call it; call it again after adding layers to a built container.
    @discardableResult
    public func bindParameters() -> ParameterStore {
        ParameterStore.bind(parameters)
    }

    /// Sets every parameter's gradient to zero: one fill when the parameters fill one store
    /// (`bindParameters()`), one per parameter otherwise.
    public func zeroGrad() {
        let parameters = self.parameters
        if let store = ParameterStore.shared(by: parameters) {
            store.zeroGradients()
        } else {
            for p in parameters { p.zeroGrad() }
        }
    }

    /// `path.name`, or `name` at the root.
    public func qualified(_ name: String) -> String {
        path.isEmpty ? name : "\(path).\(name)"
    }

    /// `stage1.block0.conv1 (Conv2D)`: how error messages name this layer.
    public var layerDescription: String {
        "\(path.isEmpty ? "<root>" : path) (\(type(of: self)))"
    }

    /// The standard shape-mismatch message: `<layer>: expected input <expected>, got <shape>`.
    public func shapeMismatch(expected: String, got shape: [Int]) -> String {
        "\(layerDescription): expected input \(expected), got \(shape)"
    }

    /// Stops with `validateInput`'s message when `shape` does not fit (a programmer error).
    @inlinable
    public func requireValidInput(_ shape: [Int]) {
        if let message = validateInput(shape: shape) { userPreconditionFailure(message) }
    }
}
