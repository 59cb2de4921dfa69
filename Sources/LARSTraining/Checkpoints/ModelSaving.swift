/// Why a model's state cannot be saved or loaded, naming the file and the tensor.
public enum ModelStateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A tensor name is empty or the reserved `__metadata__`.
    case invalidName(path: String, name: String)
    /// Two tensors have the same name (two layers qualified their parameters identically).
    case duplicateName(path: String, name: String)
    /// The file lacks tensors the model has.
    case missingTensors(path: String, names: [String])
    /// The file holds tensors the model does not have.
    case unexpectedTensors(path: String, names: [String])
    /// A tensor has another shape in the file than in the model.
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// A tensor holds NaN, infinity, an exploded value or a negative variance (`ModelState`).
    case unsoundTensor(path: String, problem: String)

    /// A sentence naming the file, the tensor(s) and the problem.
    public var description: String {
        switch self {
        case .invalidName(let path, let name):
            return "\(path): invalid tensor name '\(name)' (names must be non-empty and not __metadata__)"
        case .duplicateName(let path, let name):
            return "\(path): tensor name '\(name)' appears twice; give the layers distinct names in their containers"
        case .missingTensors(let path, let names):
            return "\(path): the file lacks \(names.count) tensor(s) of the model: \(names.joined(separator: ", "))"
        case .unexpectedTensors(let path, let names):
            return "\(path): the file holds \(names.count) tensor(s) the model does not have: \(names.joined(separator: ", "))"
        case .shapeMismatch(let path, let name, let expected, let found):
            return "\(path): tensor '\(name)' has shape \(found) in the file, the model expects \(expected)"
        case .unsoundTensor(let path, let problem):
            return "\(path): \(problem)"
        }
    }
}

extension SafeTensors {
    /// Checks that every name is valid and unique, before anything is written to `path`.
    /// - Throws: `ModelStateError.invalidName` or `.duplicateName`.
    public static func checkNames(_ tensors: [(String, Tensor)], path: String) throws {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty, name != metadataKey else { throw ModelStateError.invalidName(path: path, name: name) }
            guard seen.insert(name).inserted else { throw ModelStateError.duplicateName(path: path, name: name) }
        }
    }
}

extension Layer {
    /// The model's state, parameters first and then buffers, by dotted name, in model order:
    /// what `save(to:)` writes.
    public var stateTensors: [(String, Tensor)] {
        namedParameters.map { ($0.name, $0.parameter.value) } + namedBuffers.map { ($0.name, $0.buffer.value) }
    }

    /// Saves every parameter and buffer by dotted name (`conv1.weight`, `bn1.runningMean`) as a
    /// safetensors file of `F32` tensors (written atomically), with `metadata` in its header.
    /// The file is what checkpoints hold for the model, and Python's `safetensors` reads it.
    /// - Throws: `LayerNamingError` when a container names two children alike,
    ///   `ModelStateError.duplicateName` when two tensors share a name (nothing is written in
    ///   either case), `AtomicFileError` when the file cannot be written.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try validateNames()
        try SafeTensors.write(stateTensors, metadata: metadata, to: path)
    }

    /// Loads every parameter and buffer from a file written by `save(to:)` (or a checkpoint of
    /// the same model). All names and shapes are checked before any value changes, so a
    /// refused file leaves the model as it was.
    /// - Returns: the file's metadata.
    /// - Throws: `SafeTensorsError` for an unreadable or malformed file; `ModelStateError` for a
    ///   duplicate name in the model, tensors the file lacks or the model lacks (all of them
    ///   named), a tensor of another shape, or one holding NaN, infinity, an exploded value or a
    ///   negative running variance.
    @discardableResult
    public func load(from path: String) throws -> [String: String] {
        try load(try SafeTensors.read(path), path: path, ignoringPrefix: nil)
    }

    /// Loads the model's state from `file` (read from `path`), as `load(from:)` does; tensors
    /// whose names start with `ignoringPrefix` (a checkpoint's `optimizer/` state) are skipped.
    func load(_ file: SafeTensorsFile, path: String, ignoringPrefix: String?) throws -> [String: String] {
        let parameters = namedParameters, buffers = namedBuffers
        let modelNames = parameters.map(\.name) + buffers.map(\.name)
        try SafeTensors.checkNames(modelNames.map { ($0, Tensor(zeros: [0])) }, path: path)
        let missing = modelNames.filter { file.tensors[$0] == nil }
        guard missing.isEmpty else { throw ModelStateError.missingTensors(path: path, names: missing) }
        let known = Set(modelNames)
        let extra = file.names.filter { name in !known.contains(name) && !(ignoringPrefix.map { name.hasPrefix($0) } ?? false) }
        guard extra.isEmpty else { throw ModelStateError.unexpectedTensors(path: path, names: extra) }
        let current = parameters.map { ($0.name, $0.parameter.value.shape) } + buffers.map { ($0.name, $0.buffer.value.shape) }
        for (name, shape) in current where file.tensors[name]!.shape != shape {
            throw ModelStateError.shapeMismatch(path: path, name: name, expected: shape, found: file.tensors[name]!.shape)
        }
        for name in modelNames {
            if let problem = file.tensors[name]!.withUnsafeBufferPointer({ ModelState.problem(in: $0, name: name) }) {
                throw ModelStateError.unsoundTensor(path: path, problem: problem)
            }
        }
        for p in parameters { p.parameter.value = file.tensors[p.name]! }
        for b in buffers { b.buffer.value = file.tensors[b.name]! }
        return file.metadata
    }
}
