/// A failure of the distributed (MPI) path, thrown instead of hanging or crashing so that the
/// caller can report it and stop every rank with `ProcessGroup.abort`.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// An MPI function returned `code` instead of `MPI_SUCCESS`; `message` is MPI's own text.
    case mpiCall(function: String, code: Int32, message: String)
    /// The ranks were launched with different configurations (`explanation` names the first
    /// difference); thrown on every rank so that all of them stop at start.
    case configurationMismatch(explanation: String)
    /// The group was used after `finalize()`, or MPI was finalized by someone else.
    case finalized(operation: String)

    /// A one-line explanation that names the module and the problem.
    public var description: String {
        switch self {
        case .mpiCall(let function, let code, let message):
            return "LARSDistributed: \(function) failed with MPI error \(code): \(message)"
        case .configurationMismatch(let explanation):
            return "LARSDistributed: ranks were launched with different configurations: \(explanation)"
        case .finalized(let operation):
            return "LARSDistributed: \(operation) called after MPI_Finalize"
        }
    }
}
