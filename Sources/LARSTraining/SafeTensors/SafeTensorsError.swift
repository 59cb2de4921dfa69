/// A safetensors file that cannot be read, naming the file and what is wrong with it.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
    /// The file at fault.
    public let path: String
    /// What is wrong, as a phrase ("header length 900 exceeds the 120 bytes after it").
    public let problem: String

    /// Describes `problem` in the file at `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path: not a valid safetensors file: problem`.
    public var description: String { "\(path): not a valid safetensors file: \(problem)" }
}
