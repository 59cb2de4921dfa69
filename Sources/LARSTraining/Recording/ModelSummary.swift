/// A table of a model's layers in the style of Keras' `summary()` and torchinfo: each layer's
/// dotted name, type, output shape, parameter count and the optimizer group its parameters
/// fall into under the default grouping by kind (`ParameterGroup.byKind`: `.weight` parameters
/// are `adapted` by LARS and LAMB's trust ratio and decayed; biases and normalisation scales and
/// shifts are `excluded` from both).
public struct ModelSummary: Sendable, CustomStringConvertible {
    /// One layer of the table.
    public struct Row: Sendable, Equatable {
        /// Dotted path (`stage1.block0`); `<root>` for an unnamed model.
        public var name: String
        /// The layer's type name (`Conv2D`).
        public var type: String
        /// The output shape for the summary's input shape.
        public var outputShape: [Int]
        /// Trainable scalars of the layer (with its children, for a layer shown as one row).
        public var parameterCount: Int
        /// The groups of its parameters, `adapted` and/or `excluded`; empty without parameters.
        public var groups: [String]
        /// Nesting depth: 0 for the children of the model.
        public var depth: Int

        /// Describes one layer.
        public init(name: String, type: String, outputShape: [Int], parameterCount: Int, groups: [String], depth: Int) {
            self.name = name
            self.type = type
            self.outputShape = outputShape
            self.parameterCount = parameterCount
            self.groups = groups
            self.depth = depth
        }
    }

    /// The layers in execution order; `Sequential` containers are opened, every other layer
    /// (such as `ResidualBlock`) is one row.
    public var rows: [Row]
    /// The model's input shape, batch first.
    public var inputShape: [Int]
    /// All trainable scalars.
    public var parameterCount: Int
    /// Scalars in the `adapted` group (trust ratio and weight decay).
    public var adaptedCount: Int

    /// The table, one line per row, then the totals.
    public var description: String {
        let header = ["Layer", "Type", "Output shape", "Parameters", "Optimizer group"]
        let lines = rows.map { row in
            [String(repeating: "  ", count: row.depth) + row.name, row.type, "\(row.outputShape)",
             row.parameterCount == 0 ? "0" : "\(row.parameterCount)", row.groups.isEmpty ? "-" : row.groups.joined(separator: ", ")]
        }
        let widths = (0..<header.count).map { column in ([header] + lines).map { $0[column].count }.max()! }
        func format(_ cells: [String]) -> String {
            // Every column padded to its width but the last (no trailing spaces).
            zip(cells, widths).enumerated().map { i, pair in
                i == cells.count - 1 ? pair.0 : pair.0 + String(repeating: " ", count: pair.1 - pair.0.count)
            }.joined(separator: "  ")
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        return ([format(header), rule] + lines.map(format) + [rule,
            "input \(inputShape); \(parameterCount) parameters: \(adaptedCount) adapted by LARS (trust ratio, weight decay), "
                + "\(parameterCount - adaptedCount) excluded"]).joined(separator: "\n")
    }
}

extension Layer {
    /// The model's summary for inputs of `inputShape` (batch first, such as `[1, 3, 32, 32]`):
    /// runs one evaluation-mode forward pass on zeros, layer by layer, so every output shape is
    /// real. The input is checked layer by layer before each runs.
    /// - Throws: `LayerInputError` naming the first layer whose input does not fit.
    public func summary(inputShape: [Int], context: ExecutionContext = ExecutionContext(threads: 1)) throws -> ModelSummary {
        let groups = ParameterGroup.byKind(namedParameters, weightDecay: 0)
        var groupOf: [String: String] = [:]
        for group in groups { for p in group.parameters { groupOf[p.name] = group.name } }
        var rows: [ModelSummary.Row] = []
        _ = try summarize(self, path: "", input: Tensor(zeros: inputShape), depth: 0, groupOf: groupOf, context: context.evaluating, into: &rows)
        let adapted = groups.filter { $0.name == "adapted" }.flatMap(\.parameters).reduce(0) { $0 + $1.parameter.value.count }
        return ModelSummary(rows: rows, inputShape: inputShape, parameterCount: parameterCount, adaptedCount: adapted)
    }
}

/// Runs `layer` (at `path` in the model) on `input`, adding rows for it (or for its children,
/// when it is a `Sequential`).
private func summarize(
    _ layer: any Layer, path: String, input: Tensor, depth: Int, groupOf: [String: String], context: ExecutionContext,
    into rows: inout [ModelSummary.Row]
) throws -> Tensor {
    if let sequential = layer as? Sequential {
        var x = input
        for child in sequential.children {
            x = try summarize(
                child.layer, path: path.isEmpty ? child.name : "\(path).\(child.name)", input: x,
                depth: depth + (path.isEmpty ? 0 : 1), groupOf: groupOf, context: context, into: &rows)
        }
        return x
    }
    if let message = layer.validateInput(shape: input.shape) { throw LayerInputError(message: message) }
    let output = layer.forward(input, context: context)
    let parameters = layer.namedParameters
    var names: [String] = []
    for p in parameters {
        let name = path.isEmpty ? p.name : "\(path).\(p.name)"
        if let g = groupOf[name], !names.contains(g) { names.append(g) }
    }
    rows.append(ModelSummary.Row(
        name: path.isEmpty ? "<root>" : path, type: "\(type(of: layer))", outputShape: output.shape,
        parameterCount: parameters.reduce(0) { $0 + $1.parameter.value.count }, groups: names, depth: depth))
    return output
}
