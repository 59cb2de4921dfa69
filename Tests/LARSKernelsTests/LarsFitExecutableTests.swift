import Foundation
import Testing

/// Starts the shipped `lars-fit` executable, as a user would, and reads its BLAS report.
@Suite struct LarsFitExecutableTests {
    /// `lars-fit` in the build products directory, next to the test bundle.
    static func executable() throws -> URL {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        // The runner is products/<package>PackageTests.xctest (a file on Linux, a bundle elsewhere).
        var directory = me.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("lars-fit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        struct Missing: Error, CustomStringConvertible {
            let near: String
            var description: String { "lars-fit was not found near \(near); build it first (`swift build --product lars-fit`)" }
        }
        throw Missing(near: me.path)
    }

    static func run(_ arguments: [String], coreType: String?, extraEnvironment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LARS_OPENBLAS_CORETYPE_AUTO")
        environment.removeValue(forKey: "LARS_OPENBLAS_REEXECUTED")
        environment["OPENBLAS_CORETYPE"] = coreType
        environment.merge(extraEnvironment) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let genericCores = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "generic", "Sandybridge"]

    @Test func reportsANonGenericCoreOnThisCPU() throws {
        let cpuFlags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let (status, output) = try Self.run(["--blas-info"], coreType: nil)
        #expect(status == 0, "lars-fit --blas-info failed: \(output)")
        guard let core = output.split(separator: "\n").first(where: { $0.contains("core:") }) else {
            Issue.record("no `core:` line in lars-fit --blas-info output:\n\(output)")
            return
        }
        if cpuFlags.contains(" avx2") || cpuFlags.contains(" avx512f") {
            for generic in Self.genericCores {
                #expect(!core.lowercased().hasSuffix(" " + generic.lowercased()), "generic core on an AVX2/AVX-512 CPU:\n\(output)")
            }
            #expect(output.contains("generic fallback: no"), "\(output)")
        }
        #expect(output.hasPrefix("BLAS: OpenBLAS"))
    }

    @Test func respectsTheUsersCoreType() throws {
        let (status, output) = try Self.run(["--blas-info"], coreType: "Prescott")
        #expect(status == 0, "\(output)")
        #expect(output.contains("core Prescott"), "\(output)")
        #expect(output.contains("set by the user"), "\(output)")
    }
}

extension LarsFitExecutableTests {
    /// The switch path end to end: OpenBLAS loads the generic Prescott kernel (as it does on CPUs it
    /// does not recognise), the setting is marked as automatic rather than the user's, and
    /// `useBestCore()` must re-initialise OpenBLAS onto the CPU's best kernel.
    @Test func switchesAGenericCoreToTheBestOne() throws {
        let cpuFlags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard cpuFlags.contains(" avx2") else { return }  // nothing better than Prescott to switch to
        let (status, output) = try Self.run(
            ["--blas-info"], coreType: "Prescott", extraEnvironment: ["LARS_OPENBLAS_CORETYPE_AUTO": "1"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("[switched from Prescott]"), "\(output)")
        #expect(output.contains("generic fallback: no"), "\(output)")
    }
}

extension LarsFitExecutableTests {
    @Test func threadCountIsSettable() throws {
        let (status, output) = try Self.run(["--blas-threads", "1", "--blas-info"], coreType: nil)
        #expect(status == 0, "\(output)")
        #expect(output.contains(", 1 thread ("), "\(output)")
        let (_, fromEnvironment) = try Self.run(["--blas-info"], coreType: nil, extraEnvironment: ["OPENBLAS_NUM_THREADS": "1"])
        #expect(fromEnvironment.contains(", 1 thread ("), "\(fromEnvironment)")
    }
}
