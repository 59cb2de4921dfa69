import Synchronization

/// Dotted paths composed while walking a model from its root: a container names each child
/// once (`Layer.sublayers`), and a path is the names on the way down, joined by dots.
///
/// Layers do not store their path; error messages (`layerDescription`) read it from a table
/// that every walk of a model (`nameLayers(under:)`) fills. The table holds layers weakly, so
/// it never keeps a model alive, and a layer freed and another allocated at its address is
/// never mistaken for it.
enum LayerPath {
    /// Unchecked: the layer is only compared by identity (and its weak reference read, which
    /// the runtime makes atomic), never used, so the table can be shared between threads.
    private struct Entry: @unchecked Sendable {
        weak var layer: AnyObject?
        var path: String
    }

    private static let table = Mutex<[ObjectIdentifier: Entry]>([:])

    /// `prefix.name`, or either one alone when the other is empty (the empty name of a
    /// `DataParallel`'s replica adds no component).
    static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : name.isEmpty ? prefix : "\(prefix).\(name)"
    }

    /// The path the latest walk gave `layer`, or `nil` when no walk has reached it.
    static func path(of layer: AnyObject) -> String? {
        table.withLock { table in
            guard let entry = table[ObjectIdentifier(layer)], entry.layer === layer else { return nil }
            return entry.path
        }
    }

    /// Records the paths of `root`'s descendants, `root` itself being at `prefix` (recorded too
    /// unless `prefix` is empty: an unnamed root keeps whatever name it has).
    static func name(descendantsOf root: any Layer, under prefix: String) {
        var found: [(ObjectIdentifier, Entry)] = []
        func visit(_ layer: any Layer, _ path: String) {
            found.append((ObjectIdentifier(layer), Entry(layer: layer, path: path)))
            for child in layer.sublayers { visit(child.layer, join(path, child.name)) }
        }
        if !prefix.isEmpty { found.append((ObjectIdentifier(root), Entry(layer: root, path: prefix))) }
        for child in root.sublayers { visit(child.layer, join(prefix, child.name)) }
        table.withLock { table in
            table = table.filter { $0.value.layer != nil }
            for (key, entry) in found { table[key] = entry }
        }
    }
}

/// A container whose children's names cannot all become distinct dotted paths.
public enum LayerNamingError: Error, Equatable, CustomStringConvertible {
    /// Two children of the container described by `container` (`stage1 (Sequential)`) share
    /// `name`, so their parameters would share names in checkpoints.
    case duplicateChild(container: String, name: String)
    /// A child's name is empty (allowed only for a container's only child) or contains a dot.
    case invalidChildName(container: String, name: String)

    /// The message, naming the container's path and the child's name.
    public var description: String {
        switch self {
        case .duplicateChild(let container, let name):
            "\(container): two children are named '\(name)'; a container must give each child its own name"
        case .invalidChildName(let container, let name):
            "\(container): child name '\(name)' must be non-empty and contain no '.'"
        }
    }
}

extension Layer {
    /// This layer (path `""`) and every descendant with its dotted path relative to this layer,
    /// parents before children, in `sublayers` order.
    public var namedLayers: [(path: String, layer: any Layer)] {
        [(path: "", layer: self)]
            + sublayers.flatMap { child in
                child.layer.namedLayers.map { (path: LayerPath.join(child.name, $0.path), layer: $0.layer) }
            }
    }

    /// Checks that every container in this model names its children distinctly (non-empty,
    /// without dots), and gives every layer its path from this root for error messages.
    /// `Trainer` and `save` call it before they use the model's tensor names.
    /// - Throws: `LayerNamingError` naming the container's path and the offending name.
    public func validateNames() throws {
        for (path, layer) in namedLayers {
            let names = layer.sublayers.map(\.name)
            let container = "\(path.isEmpty ? "<root>" : path) (\(type(of: layer)))"
            if let bad = names.first(where: { $0.contains(".") || ($0.isEmpty && names.count > 1) }) {
                throw LayerNamingError.invalidChildName(container: container, name: bad)
            }
            var seen = Set<String>()
            if let duplicate = names.first(where: { !seen.insert($0).inserted }) {
                throw LayerNamingError.duplicateChild(container: container, name: duplicate)
            }
        }
        LayerPath.name(descendantsOf: self, under: "")
    }

    /// Gives this layer's descendants their paths below this layer's own (containers call it
    /// when built, so their children's error messages name them at once).
    func nameDescendants() {
        LayerPath.name(descendantsOf: self, under: LayerPath.path(of: self) ?? "")
    }
}
