#if canImport(Glibc)
import Glibc
#endif

/// Writes `text` to file descriptor 2 unbuffered, after flushing buffered standard output, so
/// that a message printed just before `MPI_Abort` or `exit` is not lost. (The C `stderr` global
/// is shared mutable state that Swift 6 refuses to touch.)
public func writeToStandardError(_ text: String) {
    fflush(nil)
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { break }
        offset += written
    }
}
