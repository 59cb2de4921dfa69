#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's hold on its output directory: an exclusive `flock` on `.lars-train.lock` inside it,
/// kept until the object is released or the process ends (the kernel drops the lock of a killed
/// process, so a crash never leaves the directory locked).
///
/// Taking it also tidies the directory for the run: the temporary files of atomic writes that a
/// killed run left behind are removed, and a fresh run (neither resuming nor overwriting) refuses
/// a directory that holds another run's files instead of truncating its logs.
public final class OutputDirectoryLock {
    /// How a run treats the files of an earlier run in its directory.
    public enum Intent: Sendable, Equatable {
        /// A new run: refuse a directory holding another run's files.
        case fresh
        /// Continue the run whose checkpoint (at this path) is being resumed: keep its files. A
        /// directory holding another run's files is refused, unless the checkpoint is that run's
        /// own (it lies in the directory).
        case resume(checkpoint: String)
        /// A new run replacing the old one: its files are removed by `removeRunFiles()`, which
        /// the caller calls once the new run is known to start (so a refused run loses nothing).
        case overwrite
    }

    /// The locked directory.
    public let directory: String
    /// Temporary files of interrupted atomic writes that were removed when the lock was taken.
    public private(set) var removedTemporaries: [String] = []
    private let descriptor: Int32

    /// The lock file's name inside the directory.
    public static let lockFileName = ".lars-train.lock"

    /// Creates `directory` if needed, locks it and tidies it for a run with `intent`.
    /// - Throws: `TrainingError.io` when the directory is locked by another process (naming its
    ///   PID) or cannot be created; `TrainingError.invalidConfiguration` when a fresh run finds
    ///   another run's files there.
    public init(directory: String, intent: Intent) throws {
        try OutputPath.validate(directory)
        try makeDirectories(directory)
        // A path that did not exist (`new/..` run from `/`) resolves only once it is made.
        try OutputPath.validate(directory)
        self.directory = directory
        self.descriptor = try Self.lock(directory, fileName: Self.lockFileName, holder: "another run")
        removedTemporaries = Self.removeTemporaries(in: directory)
        let existing = Self.runFiles(in: directory)
        let names = existing.map { String($0.split(separator: "/").last ?? "") }.joined(separator: ", ")
        switch intent {
        case .resume(let checkpoint):
            let checkpointDirectory = AtomicFile.split(checkpoint).directory
            guard existing.isEmpty || resolvedPath(checkpointDirectory) == resolvedPath(directory) else {
                throw TrainingError.invalidConfiguration(
                    "\(directory) holds another run's files (\(names)), and \(checkpoint) is not that run's checkpoint; resume into the checkpoint's own directory or an empty --output")
            }
        case .overwrite:
            break
        case .fresh:
            guard existing.isEmpty else {
                let checkpoint = RunFiles(directory: directory).checkpoint
                // A run killed before its first checkpoint has none to resume from.
                let advice = access(checkpoint, F_OK) == 0
                    ? "pass --resume \(checkpoint) to continue it, --overwrite to replace it"
                    : "it has no checkpoint to resume (it stopped before its first epoch ended); pass --overwrite to start it again"
                throw TrainingError.invalidConfiguration(
                    "\(directory) holds another run's files (\(names)); \(advice), or choose another --output")
            }
        }
    }

    deinit { close(descriptor) }

    /// Takes an exclusive `flock` on `directory/fileName` (created if needed) and writes this
    /// process's PID into it; returns the open descriptor, which holds the lock until closed.
    /// - Throws: `TrainingError.io` naming the holder's PID when another process holds it.
    public static func lock(_ directory: String, fileName: String, holder: String) throws -> Int32 {
        let lockPath = directory + "/" + fileName
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TrainingError.io(path: lockPath, problem: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let pid = readHolder(fd)
            close(fd)
            throw TrainingError.io(
                path: directory,
                problem: "the output directory is in use by \(holder) (process \(pid)); wait for it to end or choose another --output")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return fd
    }

    /// Removes the run files (`RunFiles.all`) an earlier run left in the directory: what
    /// `--overwrite` does, once the new run has passed every check.
    public func removeRunFiles() {
        for path in Self.runFiles(in: directory) { unlink(path) }
    }

    /// The PID written into the lock file by its holder, or "unknown".
    private static func readHolder(_ fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 31, 0) }
        guard n > 0 else { return "unknown" }
        let text = String(decoding: bytes[..<n], as: UTF8.self).trimmingWhitespace
        return Int(text).map(String.init) ?? "unknown"
    }

    /// The files of a run (`RunFiles`) that exist in `directory`, its TensorBoard event files too.
    static func runFiles(in directory: String) -> [String] {
        RunFiles(directory: directory).all.filter { access($0, F_OK) == 0 } + TensorBoardEventFile.files(in: directory)
    }

    /// Removes every `.NAME.tmp-*` file of the run's atomically written files in `directory`.
    static func removeTemporaries(in directory: String) -> [String] {
        let prefixes = RunFiles(directory: directory).all.map { AtomicFile.temporaryPrefix(for: $0) }
        var removed: [String] = []
        for name in directoryEntryNames(directory) {
            let path = directory + "/" + name
            if prefixes.contains(where: { path.hasPrefix($0) }), unlink(path) == 0 { removed.append(path) }
        }
        return removed.sorted()
    }
}

extension String {
    /// The string without leading and trailing spaces and newlines.
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
