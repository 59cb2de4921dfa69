import Foundation

/// How a child process ended.
public struct ChildExit: Sendable, Equatable {
    /// The exit code, or 128 + the signal number when a signal ended it (as a shell reports it).
    public var code: Int32
    /// The last lines it printed (standard output and standard error together).
    public var lastLines: [String]
}

/// Runs one command as a child process, passing each line it prints (standard output and
/// standard error merged, in arrival order) to a callback and appending it to a log file.
public enum ChildProcess {
    /// Lines kept for a failure report.
    public static let keptLines = 20

    /// Runs `command` (the first word is looked up on PATH when it has no slash) with this
    /// process's environment plus `environment`, until it ends.
    /// - Throws: `StudyError.cannotRun` when it cannot be started.
    public static func run(
        _ command: [String], environment: [String: String], logPath: String?, onLine: (String) -> Void
    ) throws -> ChildExit {
        guard let first = command.first else { throw StudyError.cannotRun("empty command") }
        let process = makeProcess(command, environment: environment)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let log = logPath.flatMap(openForAppending)
        defer { try? log?.close() }
        do {
            try process.run()
        } catch {
            throw StudyError.cannotRun("cannot start \(first): \(error)")
        }
        // Our copy of the write end must close, or the read below never sees end-of-file.
        try? pipe.fileHandleForWriting.close()
        var last: [String] = []
        readLines(from: pipe.fileHandleForReading) { bytes in
            // A progress bar redrawn with \r counts as separate lines.
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\r").last.map(String.init) ?? ""
            log?.write(bytes + Data([0x0A]))
            last.append(line)
            if last.count > keptLines { last.removeFirst() }
            onLine(line)
        }
        process.waitUntilExit()
        let status = process.terminationStatus
        let code = process.terminationReason == .uncaughtSignal ? 128 + status : status
        return ChildExit(code: code, lastLines: last)
    }

    /// A process for `command` (its first word looked up on PATH when it has no slash) with this
    /// process's environment plus `environment`.
    static func makeProcess(_ command: [String], environment: [String: String]) -> Process {
        let process = Process()
        if command[0].contains("/") {
            process.executableURL = URL(fileURLWithPath: command[0])
            process.arguments = Array(command.dropFirst())
        } else {
            // env looks the launcher (mpirun) up on PATH and execs it: the child keeps env's pid.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = command
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return process
    }

    /// The file at `path` opened for writing at its end (created when absent), or nil.
    static func openForAppending(_ path: String) -> FileHandle? {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
        return handle
    }

    /// Reads `reader` to its end, passing each line's bytes (without the newline, the last one
    /// even without one) to `emit`.
    static func readLines(from reader: FileHandle, _ emit: (Data) -> Void) {
        var pending = Data()
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                emit(pending[pending.startIndex..<newline])
                pending = Data(pending[pending.index(after: newline)...])
            }
        }
        if !pending.isEmpty { emit(pending) }
    }
}
