/// Runs named child layers one after another; backward runs them in reverse. When BatchNorm
/// runs on oneDNN (`ExecutionContext.runsOneDNNNormalizationAndPooling`), a `BatchNorm`
/// directly followed by a `ReLU` runs as one fused primitive.
///
/// Each child's `path` is this container's path plus its name (`stage1.block0`), so its
/// parameters get stable dotted names such as `stage1.block0.conv1.weight`.
public final class Sequential: Layer {
    /// Dotted path; setting it renames every descendant.
    public var path: String = "" {
        didSet { updateChildPaths() }
    }
    /// The children in execution order, with their names.
    public private(set) var children: [(name: String, layer: any Layer)]

    /// Creates a container from `(name, layer)` pairs; names must be unique, non-empty and
    /// free of dots (the dot separates path components).
    public init(_ children: [(String, any Layer)]) {
        self.children = []
        for (name, layer) in children { append(name, layer) }
    }

    /// Adds `layer` at the end under `name`.
    public func append(_ name: String, _ layer: any Layer) {
        userPrecondition(!name.isEmpty && !name.contains("."), "Sequential: child name '\(name)' must be non-empty and contain no '.'")
        userPrecondition(
            !children.contains { $0.name == name },
            "\(layerDescription): a child named '\(name)' already exists")
        layer.path = qualified(name)
        children.append((name: name, layer: layer))
    }

    /// The child called `name`, if any.
    public subscript(name: String) -> (any Layer)? {
        children.first { $0.name == name }?.layer
    }

    private func updateChildPaths() {
        for child in children { child.layer.path = qualified(child.name) }
    }

    /// The children, in execution order.
    public var sublayers: [any Layer] { children.map(\.layer) }

    public func validateInput(shape: [Int]) -> String? {
        children.first?.layer.validateInput(shape: shape)
    }

    /// Which children the latest forward skipped: a `ReLU` right after a `BatchNorm` that ran on
    /// oneDNN, which applied the ReLU itself (and whose backward takes the ReLU's gradient too).
    private var fusedChildren: [Bool] = []

    /// Runs the children in order; when BatchNorm runs on oneDNN, a `BatchNorm` directly
    /// followed by a `ReLU` runs as one fused primitive (same result up to rounding).
    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        var x = input
        var fused = [Bool](repeating: false, count: children.count)
        var i = 0
        while i < children.count {
            if i + 1 < children.count, let bn = children[i].layer as? BatchNorm, children[i + 1].layer is ReLU,
                bn.runsOnOneDNN(context)
            {
                x = bn.forward(x, context: context, fusingReLU: true)
                fused[i + 1] = true
                i += 2
                continue
            }
            x = children[i].layer.forward(x, context: context)
            i += 1
        }
        fusedChildren = fused
        return x
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        var g = outputGradient
        for (index, child) in children.enumerated().reversed() where !(index < fusedChildren.count && fusedChildren[index]) {
            g = child.layer.backward(g, context: context)
        }
        return g
    }
}
