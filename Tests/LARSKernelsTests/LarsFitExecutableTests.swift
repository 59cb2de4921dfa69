import Foundation
import Testing
import LARSTestSupport

/// Starts the shipped `lars-fit` executable, as a user would, and reads its BLAS report.
@Suite struct LarsFitExecutableTests {
    /// `lars-fit` in the build products directory, next to the test bundle.
    static func executable() throws -> URL { try shippedExecutable("lars-fit") }

    static func run(_ arguments: [String], coreType: String?, extraEnvironment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LARS_OPENBLAS_CORETYPE_AUTO")
        environment.removeValue(forKey: "LARS_OPENBLAS_REEXECUTED")
        environment["OPENBLAS_CORETYPE"] = coreType
        environment.merge(extraEnvironment) { $1 }
        return try runProcess(try executable(), arguments, environment: environment)
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
