/// Errors of the training run: files that cannot be read or written, malformed logs and
/// checkpoints, and configurations that do not fit together. Each names what it is about.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened, read or written.
    case io(path: String, problem: String)
    /// A file was read but its content is wrong.
    case invalidFile(path: String, problem: String)
    /// A checkpoint does not fit the model or run it is loaded into.
    case checkpointMismatch(path: String, problem: String)
    /// The run's options contradict each other.
    case invalidConfiguration(String)
    /// Training diverged at `epoch` (1-based) and optimizer `step`: the loss or a gradient
    /// stopped being finite, or the loss exploded.
    case diverged(epoch: Int, step: Int, reason: String)

    /// A one-line message naming the file or option and the problem.
    public var description: String {
        switch self {
        case .io(let path, let problem): return "\(path): \(problem)"
        case .invalidFile(let path, let problem): return "\(path): \(problem)"
        case .checkpointMismatch(let path, let problem): return "checkpoint \(path) does not fit this run: \(problem)"
        case .invalidConfiguration(let message): return "invalid configuration: \(message)"
        case .diverged(let epoch, let step, let reason): return "diverged at epoch \(epoch), step \(step): \(reason)"
        }
    }
}
