#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An event file TensorBoard reads, `events.out.tfevents.<seconds>.<host>[<suffix>]`: TFRecord
/// framing (`TFRecord`) of `Event` messages (`TensorBoardEvent`), the first holding the file
/// version `brain.Event:2`.
///
/// Events are collected in memory by `append` and reach the file at `flush()`, so the caller
/// chooses the moments the file may be read at (a trainer flushes at the end of every epoch,
/// after the checkpoint: a killed run's file then ends at its last checkpointed epoch).
public final class TensorBoardEventFile {
    /// The file's path.
    public let path: String
    private let descriptor: Int32
    private var pending: [UInt8] = []

    /// The prefix every event file name starts with; TensorBoard reads any file whose name
    /// contains `tfevents`.
    public static let namePrefix = "events.out.tfevents."

    /// Creates a new event file in `directory` (made if missing) and writes its version event.
    /// The name carries the current time and host name, then `suffix`; a name already taken
    /// (two files in one second) gets `.1`, `.2`... after it, so that names sort in creation order.
    ///
    /// - Throws: `TrainingError.io` when the directory or file cannot be created or written.
    public init(directory: String, suffix: String = "") throws {
        try makeDirectories(directory)
        let now = Self.now()
        let base = directory + "/" + Self.namePrefix + "\(Int64(now)).\(Self.hostName())" + suffix
        var candidate = base
        var fd: Int32 = -1
        for attempt in 0..<1000 {
            candidate = attempt == 0 ? base : base + ".\(attempt)"
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else {
            throw TrainingError.io(path: candidate, problem: "cannot create the event file: \(String(cString: strerror(errno)))")
        }
        path = candidate
        descriptor = fd
        append(TensorBoardEvent(wallTime: now, step: 0, content: .fileVersion("brain.Event:2")))
        try flush()
    }

    deinit {
        try? flush()
        close(descriptor)
    }

    /// Queues `event` for the next `flush()`.
    public func append(_ event: TensorBoardEvent) {
        pending += TFRecord.frame(event.encoded())
    }

    /// Queues a summary of `values` at `step`, stamped now.
    public func append(_ values: [SummaryValue], step: Int) {
        guard !values.isEmpty else { return }
        append(TensorBoardEvent(wallTime: Self.now(), step: Int64(step), content: .summary(values)))
    }

    /// Writes the queued events to the file (no `fsync`: a killed process loses nothing
    /// written, as with the CSV logs).
    ///
    /// - Throws: `TrainingError.io` when the write fails; the events stay queued.
    public func flush() throws {
        var written = 0
        while written < pending.count {
            let n = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                pending.removeFirst(written)
                throw TrainingError.io(path: path, problem: "cannot write events: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The events of the file at `path`, checked record by record (`TFRecord.records`).
    public static func read(_ path: String) throws -> [[UInt8]] {
        try TFRecord.records(in: readFileBytes(path), path: path)
    }

    /// The event files in `directory`, sorted by name (creation order); empty when there is none.
    public static func files(in directory: String) -> [String] {
        directoryEntryNames(directory).filter { $0.hasPrefix(namePrefix) }.map { directory + "/" + $0 }.sorted()
    }

    /// Seconds since 1970-01-01 UTC.
    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// This machine's host name ("localhost" if it has none).
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self)
        return name.isEmpty ? "localhost" : name.replacingSlashes
    }
}

extension String {
    /// The string with `/` replaced by `_`, safe inside a file name.
    fileprivate var replacingSlashes: String { String(map { $0 == "/" ? "_" : $0 }) }
}
