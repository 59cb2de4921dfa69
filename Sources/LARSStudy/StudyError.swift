import Foundation

/// A user-causable problem with a study's settings or files, with a message for the terminal.
public enum StudyError: Error, CustomStringConvertible, Equatable {
    /// Flags that contradict each other or name unknown choices.
    case invalidSettings(String)
    /// lars-train could not be found or started.
    case cannotRun(String)
    /// A file of the study could not be written.
    case io(path: String, problem: String)

    /// The message.
    public var description: String {
        switch self {
        case .invalidSettings(let m): return m
        case .cannotRun(let m): return m
        case .io(let path, let problem): return "\(path): \(problem)"
        }
    }
}

/// `rate` rounded to 4 significant digits, so that the directory name and `--lr` agree exactly.
func roundedRate(_ rate: Double) -> Double {
    Double(shortNumber(rate)) ?? rate
}

/// A number with at most 4 significant digits and no trailing zeros: 6, 0.05, 4.243, 1e+06.
public func shortNumber(_ value: Double) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    let length = buffer.withUnsafeMutableBufferPointer { p in
        withVaList([value]) { Int(vsnprintf(p.baseAddress, 64, "%.4g", $0)) }
    }
    return String(decoding: buffer.prefix(max(0, min(length, 63))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
