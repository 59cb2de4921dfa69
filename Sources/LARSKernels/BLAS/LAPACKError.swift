/// A LAPACK routine reported failure through its `info` result.
///
/// `info < 0` means argument number `-info` was illegal (a bug in the caller); `info > 0` is a
/// numerical failure whose meaning depends on the routine, such as a rank-deficient matrix in
/// least squares. The description names the routine, `info` and what it means.
public struct LAPACKError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The LAPACK routine, such as `sgels`.
    public let routine: String
    /// The `info` value it returned (never 0).
    public let info: Int
    /// What `info` means for this routine, in words.
    public let explanation: String

    /// Creates an error; `explanation` defaults to the generic meaning of `info`.
    public init(routine: String, info: Int, explanation: String? = nil) {
        self.routine = routine
        self.info = info
        self.explanation = explanation ?? LAPACKError.genericExplanation(info: info)
    }

    /// `LAPACK sgels failed (info = 2): ...`.
    public var description: String { "LAPACK \(routine) failed (info = \(info)): \(explanation)" }

    /// The meaning of `info` shared by all LAPACKE routines.
    static func genericExplanation(info: Int) -> String {
        switch info {
        case -1010: return "LAPACKE could not allocate its work array (out of memory)"
        case -1011: return "LAPACKE could not allocate the row-major transposition buffer (out of memory)"
        case ..<0: return "argument \(-info) had an illegal value"
        default: return "the routine did not converge or met a singular problem at step \(info)"
        }
    }
}
