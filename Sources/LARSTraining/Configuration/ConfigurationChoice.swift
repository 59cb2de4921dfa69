/// A closed choice of `TrainingConfiguration`, spelled as on the command line: its raw values
/// are what checkpoints store and what `lars-train` and `lars-study` accept, its cases are the
/// allowed values, and `summary` is the help line of each (the executables list them from here,
/// so a new value is added in one place).
public protocol ConfigurationChoice: RawRepresentable, CaseIterable, Codable, Sendable, Hashable
where RawValue == String, AllCases: RandomAccessCollection {
    /// What the value does, in one line (shown in `--help`).
    var summary: String { get }
}

extension ConfigurationChoice {
    /// The allowed spellings, comma-separated, for messages.
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// A built-in choice or a name the caller gives its own (a model or data set built outside the
/// factories). Stored, printed and compared as its name alone, so `"small-cnn"` in a checkpoint
/// decodes to `.builtIn(.smallCNN)` and `"my-net"` to `.custom("my-net")`.
public enum BuiltInOrCustom<Kind: ConfigurationChoice>: RawRepresentable, Codable, Sendable, Hashable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// One of the built-in values.
    case builtIn(Kind)
    /// A caller's own; the name only labels logs and checkpoints.
    case custom(String)

    /// The built-in value spelled `rawValue`, else a custom name.
    public init(rawValue: String) {
        self = Kind(rawValue: rawValue).map { .builtIn($0) } ?? .custom(rawValue)
    }

    /// Like `init(rawValue:)`, so that a configuration can say `model = "my-net"`.
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    /// The name: a built-in value's raw value, or the custom name.
    public var rawValue: String {
        switch self {
        case .builtIn(let kind): return kind.rawValue
        case .custom(let name): return name
        }
    }

    /// The built-in value, or `nil` for a custom name.
    public var builtIn: Kind? {
        if case .builtIn(let kind) = self { return kind }
        return nil
    }

    /// The name.
    public var description: String { rawValue }

    /// Decodes a bare string, as every checkpoint stores it.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the name as a bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A model: built-in (`ModelKind`) or the caller's own.
public typealias ModelName = BuiltInOrCustom<ModelKind>
/// A data set: one the loaders know (`DatasetKind`) or the caller's own images.
public typealias DatasetName = BuiltInOrCustom<DatasetKind>
