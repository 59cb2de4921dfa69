#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only CSV file written row by row as a run goes, flushed after every row so that a
/// run killed at any moment keeps what it logged.
public final class CSVLog {
    /// The file's path.
    public let path: String
    /// The column names, in order.
    public let columns: [String]
    private var file: UnsafeMutablePointer<FILE>?

    /// Opens `path` for writing. A new file gets the header; with `append`, an existing file
    /// with the same header is continued (a resumed run), keeping only the rows for which
    /// `keepRow` holds (a run killed after logging an epoch but before checkpointing it would
    /// otherwise log that epoch twice). A file whose header is the start of `columns` (a log
    /// written before columns were added) is rewritten with the new header and its rows padded
    /// with empty fields; one with another header is an error.
    public init(path: String, columns: [String], append: Bool = false, keepRow: ([String]) -> Bool = { _ in true }) throws {
        self.path = path
        self.columns = columns
        let header = columns.joined(separator: ",")
        if append, let existing = try? readTextFile(path), !existing.isEmpty {
            let firstLine = existing.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            guard firstLine == header || header.hasPrefix(firstLine + ",") else {
                throw TrainingError.invalidFile(path: path, problem: "has columns \(firstLine), expected \(header)")
            }
            let (_, rows) = try readCSV(path)
            let kept = rows.filter(keepRow).map { $0 + Array(repeating: "", count: max(0, columns.count - $0.count)) }
            if kept.count != rows.count || firstLine != header {
                let text = ([header] + kept.map { $0.joined(separator: ",") }).joined(separator: "\n") + "\n"
                try writeTextFileAtomically(text, to: path)
            }
            file = fopen(path, "a")
        } else {
            file = fopen(path, "w")
            if file != nil { fputs(header + "\n", file) }
        }
        guard file != nil else {
            throw TrainingError.io(path: path, problem: "cannot open for writing: \(String(cString: strerror(errno)))")
        }
        fflush(file)
    }

    deinit { if let file { fclose(file) } }

    /// Appends one row; values are written as given (numbers should be pre-formatted).
    public func append(_ values: [String]) {
        userPrecondition(values.count == columns.count, "CSV row for \(path) has \(values.count) values, header has \(columns.count)")
        fputs(values.joined(separator: ",") + "\n", file)
        fflush(file)
    }
}

/// Reads a whole text file, or throws naming it.
func readTextFile(_ path: String) throws -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

/// Reads a whole file's bytes, or throws naming it.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "r") else {
        throw TrainingError.io(path: path, problem: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
}

/// Parses a CSV file written by `CSVLog` (no quoting) into its header and rows.
func readCSV(_ path: String) throws -> (header: [String], rows: [[String]]) {
    let lines = try readTextFile(path).split(separator: "\n").map(String.init)
    guard let first = lines.first else { return ([], []) }
    let header = first.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        .filter { $0.count == header.count }
    return (header, rows)
}
