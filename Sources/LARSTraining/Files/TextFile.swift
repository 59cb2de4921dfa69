#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `text` to `path` through a temporary file and a rename (`AtomicFile`), so that
/// readers never see a half-written file and a killed run leaves only a `.NAME.tmp-*` file that
/// the next run in the directory removes.
func writeTextFileAtomically(_ text: String, to path: String) throws {
    do {
        try AtomicFile.write(Array(text.utf8), to: path)
    } catch let error as AtomicFileError {
        throw TrainingError.io(path: error.path, problem: "\(error.step) failed: \(error.reason)")
    }
}

/// The names in `directory` (`.` and `..` included), in the order the system lists them; empty
/// when it cannot be read.
func directoryEntryNames(_ directory: String) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        names.append(withUnsafePointer(to: entry.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        })
    }
    return names
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
