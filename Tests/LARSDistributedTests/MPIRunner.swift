import Foundation

/// What one `mpirun` job printed and how it ended.
struct MPIJobResult {
    /// The job's exit status (mpirun's), or nil when it had to be killed after the time limit.
    let status: Int32?
    /// Standard output and standard error of all ranks and of mpirun, interleaved.
    let output: String
    /// Wall seconds until it ended or was killed.
    let seconds: Double
    var timedOut: Bool { status == nil }
}

/// A failure to set up the job (no mpirun, no lars-mpi-check), reported instead of a vague hang.
struct MPISetupError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `lars-mpi-check` under Open MPI's `mpirun` with a time limit.
enum MPIRunner {
    /// The options every job needs here: more ranks than cores is fine (CI has 2), and CI runs as
    /// root, which Open MPI refuses unless told twice.
    static let baseOptions = [
        "--oversubscribe", "--allow-run-as-root",
        // Containers often forbid the cross-process memory reads (CMA) of the shared-memory
        // transport's single-copy path; copying through shared buffers always works.
        "--mca", "btl_vader_single_copy_mechanism", "none",
    ]

    /// `mpirun` from PATH.
    static func mpirun() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/mpirun"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw MPISetupError(
            description: "mpirun is not on PATH: install Open MPI (apt-get install openmpi-bin libopenmpi-dev) "
                + "and build with SWIFT_LARS_MPI=1")
    }

    /// The `lars-mpi-check` binary built next to the test bundle (or `LARS_MPI_CHECK` if set).
    static func checkExecutable() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["LARS_MPI_CHECK"] { return explicit }
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL { directories.append(executable.deletingLastPathComponent()) }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        // A bundle directory (macOS-style .xctest/Contents/MacOS) sits deeper than the binaries.
        for directory in directories {
            var current = directory
            for _ in 0..<4 {
                let candidate = current.appendingPathComponent("lars-mpi-check").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                current = current.deletingLastPathComponent()
            }
        }
        throw MPISetupError(
            description: "lars-mpi-check was not found next to the test bundle (looked in \(directories.map(\.path))); "
                + "build it with `SWIFT_LARS_MPI=1 swift build --build-tests` or set LARS_MPI_CHECK")
    }

    /// Runs `mpirun <baseOptions> <mpirunArguments>`, where `{check}` in the arguments stands for
    /// the lars-mpi-check path. Kills the job (SIGTERM, then SIGKILL) if it outlives `timeLimit`.
    static func run(_ mpirunArguments: [String], timeLimit: Double = 120) throws -> MPIJobResult {
        let launcher = try mpirun()
        let check = try checkExecutable()
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("lars-mpi-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw MPISetupError(description: "cannot create the job log \(logURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: logURL) }
        // A file rather than a pipe: a job that prints a lot cannot block on a full pipe.
        let log = try FileHandle(forWritingTo: logURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = baseOptions + mpirunArguments.map { $0 == "{check}" ? check : $0 }
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        // One OpenBLAS thread per rank: two ranks already fill the two cores.
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice

        let start = Date()
        try process.run()
        var killed = false
        while process.isRunning {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed > timeLimit && !killed {
                process.terminate()
                killed = true
            }
            if elapsed > timeLimit + 10 {
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        try log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return MPIJobResult(status: killed ? nil : process.terminationStatus, output: output, seconds: seconds)
    }
}
