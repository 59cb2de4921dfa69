import Foundation

/// Re-runs the OpenBLAS rows at the generic `Prescott` core. OpenBLAS picks its kernels when the
/// library loads, so the only portable way is a child process started with
/// `OPENBLAS_CORETYPE=Prescott`; it writes its rows as JSON and the parent merges them.
enum GenericCoreChild {
    static func run(groups: [String], quick: Bool, threads: String) throws -> (rows: [BenchRow], blas: String) {
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("lars-bench-generic-\(ProcessInfo.processInfo.processIdentifier).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var arguments = ["--generic-child", "--quiet", "--filter", groups.joined(separator: ","),
                         "--threads", threads, "--json", output.path]
        if quick { arguments.append("--quick") }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        process.environment = environment
        FileHandle.standardError.write("re-running the OpenBLAS rows at OPENBLAS_CORETYPE=Prescott...\n".data(using: .utf8)!)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchCheckError(message: "the generic-core child run failed with status \(process.terminationStatus)")
        }
        defer { try? FileManager.default.removeItem(at: output) }
        let report = try JSONDecoder().decode(BenchReport.self, from: Data(contentsOf: output))
        // The child's own ceiling is not measured; shares are against the parent's (best-core) ceiling.
        let rows = report.rows.map { row in
            var r = row
            r.ratioToOpenBLAS = nil
            r.ceilingShare = nil
            return r
        }
        return (rows, report.header.blas)
    }
}
