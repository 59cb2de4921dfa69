import Glibc

/// What a data-set path names when it is not a regular file, so that errors say what is there
/// (a FIFO, a device, a directory, a symbolic-link loop) instead of "file not found".
enum FileKind {
    /// Throws unless `path` names a regular file (after following symbolic links), without
    /// opening it: a FIFO would block an `open`, and a device such as `/dev/zero` never ends.
    /// - Throws: `DatasetError` `.missingFile(hint:)` when nothing is there (or a link points
    ///   nowhere), `.notARegularFile(what:)` for anything else, `.unreadable` for other errors.
    static func requireRegularFile(_ path: String, missingHint: String) throws {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            var linkInfo = stat()
            switch code {
            case ENOENT where lstat(path, &linkInfo) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK:
                throw DatasetError(path: path, problem: .notARegularFile(what: "a symbolic link to a file that does not exist"))
            case ENOENT, ENOTDIR:
                throw DatasetError(path: path, problem: .missingFile(hint: missingHint))
            case ELOOP:
                throw DatasetError(path: path, problem: .notARegularFile(what: "a loop of symbolic links"))
            default:
                throw DatasetError(path: path, problem: .unreadable(reason: String(cString: strerror(code))))
            }
        }
        if let what = description(mode: info.st_mode) {
            throw DatasetError(path: path, problem: .notARegularFile(what: what))
        }
    }

    /// What a non-regular file of mode `mode` is, or `nil` for a regular file.
    static func description(mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device (such as /dev/zero)"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }
}
