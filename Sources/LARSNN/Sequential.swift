/// Runs named child layers one after another (through `LayerChain`, which fuses a `BatchNorm`
/// directly followed by a `ReLU` where BatchNorm runs on oneDNN); backward runs them in reverse.
///
/// Each child is named once, here: its parameters get dotted names composed from the names on
/// the way down from the model's root, such as `stage1.block0.conv1.weight`.
public final class Sequential: Layer {
    /// The children in execution order, with their names.
    public private(set) var children: [(name: String, layer: any Layer)]

    /// Creates a container from `(name, layer)` pairs. Names must be non-empty and free of dots
    /// (the dot separates path components), and distinct: `Trainer` and `save` refuse a model
    /// with two children of one name (`validateNames()`).
    public init(_ children: [(String, any Layer)]) {
        self.children = children.map { (name: Self.checked($0.0), layer: $0.1) }
        nameDescendants()
    }

    /// Adds `layer` at the end under `name`.
    public func append(_ name: String, _ layer: any Layer) {
        children.append((name: Self.checked(name), layer: layer))
        nameDescendants()
    }

    private static func checked(_ name: String) -> String {
        userPrecondition(!name.isEmpty && !name.contains("."), "Sequential: child name '\(name)' must be non-empty and contain no '.'")
        return name
    }

    /// The child called `name` (the first, if several share it), if any.
    public subscript(name: String) -> (any Layer)? {
        children.first { $0.name == name }?.layer
    }

    /// The children, in execution order.
    public var sublayers: [(name: String, layer: any Layer)] { children }

    public func validateInput(shape: [Int]) -> String? {
        children.first?.layer.validateInput(shape: shape)
    }

    /// Runs the children in order (`LayerChain.forward`).
    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        LayerChain.forward(children.map(\.layer), input, context: context)
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        LayerChain.backward(children.map(\.layer), outputGradient, context: context)
    }
}
