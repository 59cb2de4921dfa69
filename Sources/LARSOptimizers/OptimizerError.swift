/// Recoverable optimizer failures; each names the optimizer and the parameter or entry involved.
public enum OptimizerError: Error, Equatable, CustomStringConvertible {
    /// A gradient held NaN or infinity (policy `.throwError`).
    case nonFiniteGradient(optimizer: String, parameter: String)
    /// `restore` found no entry for a buffer or counter it needs.
    case missingStateEntry(optimizer: String, key: String)
    /// `restore` found a tensor whose shape differs from the parameter's.
    case stateShapeMismatch(optimizer: String, key: String, expected: [Int], found: [Int])
    /// `restore` found an entry with this optimizer's prefix that belongs to no parameter.
    case unexpectedStateEntry(optimizer: String, key: String)
    /// `restore` found a counter that is negative, fractional or too large.
    case invalidStateValue(optimizer: String, key: String, value: Double)

    /// A message naming the optimizer and the parameter or entry.
    public var description: String {
        switch self {
        case let .nonFiniteGradient(optimizer, parameter):
            return "\(optimizer): the gradient of \(parameter) contains NaN or infinity"
        case let .missingStateEntry(optimizer, key):
            return "\(optimizer): optimizer state has no entry \(key)"
        case let .stateShapeMismatch(optimizer, key, expected, found):
            return "\(optimizer): optimizer state entry \(key) has shape \(found), the parameter has \(expected)"
        case let .unexpectedStateEntry(optimizer, key):
            return "\(optimizer): optimizer state entry \(key) matches no parameter of this optimizer"
        case let .invalidStateValue(optimizer, key, value):
            return "\(optimizer): optimizer state entry \(key) = \(value) is not a valid step count"
        }
    }
}
