#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to `path` through a temporary file and a rename, so that readers never see a
/// half-written file.
func writeTextFileAtomically(_ text: String, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    guard let f = fopen(temporary, "w") else {
        throw TrainingError.io(path: temporary, problem: "cannot open for writing: \(String(cString: strerror(errno)))")
    }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, f) }
    let closed = fclose(f)
    guard written == bytes.count, closed == 0 else {
        unlink(temporary)
        throw TrainingError.io(path: temporary, problem: "short write")
    }
    guard rename(temporary, path) == 0 else {
        unlink(temporary)
        throw TrainingError.io(path: path, problem: "cannot rename into place: \(String(cString: strerror(errno)))")
    }
}

/// Creates `path` and its parents if they do not exist.
public func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw TrainingError.io(path: current, problem: "cannot create directory: \(String(cString: strerror(errno)))")
        }
    }
}
