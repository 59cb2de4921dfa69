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
///
/// Children are named once, in `sublayers`; the dotted names of parameters, buffers and error
/// messages (`stage2.block0.conv1`) are composed while walking from the model's root.
public protocol Layer: AnyObject {
    /// Computes the layer's output for `input`.
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor

    /// Back-propagates `outputGradient` (dL/dy); returns dL/dx and accumulates parameter gradients.
    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor

    /// This layer's own trainable parameters under local names (`weight`, `bias`), without its
    /// children's. A layer states only these; the dotted names (`stage1.block0.conv1.weight`)
    /// are composed from the names its containers give it in `sublayers` (`namedParameters`).
    var ownParameters: [(name: String, parameter: Parameter)] { get }

    /// This layer's own buffers (BatchNorm running statistics) under local names.
    var ownBuffers: [(name: String, buffer: Buffer)] { get }

    /// The trainable parameters of this layer and its children, with dotted names relative to
    /// this layer. Default: the own parameters, then each sublayer's under its name, in order.
    var namedParameters: [NamedParameter] { get }

    /// The non-trainable state of this layer and its children, with dotted names relative to
    /// this layer. Default: the own buffers, then each sublayer's under its name, in order.
    var namedBuffers: [NamedBuffer] { get }

    /// The layers this one runs, each with its name (non-empty, without dots, distinct within
    /// this layer): the one place a container names its children. A `DataParallel` returns its
    /// primary replica under the empty name (it adds no path component). Default: none, which
    /// is right for every layer that holds no other layer; a container must return its children.
    var sublayers: [(name: String, layer: any Layer)] { get }

    /// Why `shape` cannot be this layer's input, as a message naming the layer, the expected and
    /// the received shape; `nil` when it fits. `forward` stops with this message.
    func validateInput(shape: [Int]) -> String?
}

extension Layer {
    /// Layers without parameters of their own have none.
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    /// Layers without buffers of their own have none.
    public var ownBuffers: [(name: String, buffer: Buffer)] { [] }
    /// The own parameters, then each sublayer's named parameters under the sublayer's name.
    public var namedParameters: [NamedParameter] {
        ownParameters.map { NamedParameter(name: $0.name, parameter: $0.parameter) }
            + sublayers.flatMap { child in
                child.layer.namedParameters.map {
                    NamedParameter(name: LayerPath.join(child.name, $0.name), parameter: $0.parameter)
                }
            }
    }
    /// The own buffers, then each sublayer's named buffers under the sublayer's name.
    public var namedBuffers: [NamedBuffer] {
        ownBuffers.map { NamedBuffer(name: $0.name, buffer: $0.buffer) }
            + sublayers.flatMap { child in
                child.layer.namedBuffers.map { NamedBuffer(name: LayerPath.join(child.name, $0.name), buffer: $0.buffer) }
            }
    }
    /// Layers that hold no other layer have no sublayers.
    public var sublayers: [(name: String, layer: any Layer)] { [] }
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

    /// `stage1.block0.conv1 (Conv2D)`: how error messages name this layer, with the path the
    /// latest walk of its model gave it (containers walk their children when built; `Trainer`
    /// and `save` walk the whole model), `<root>` for a layer no container has named.
    public var layerDescription: String {
        "\(LayerPath.path(of: self) ?? "<root>") (\(type(of: self)))"
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
