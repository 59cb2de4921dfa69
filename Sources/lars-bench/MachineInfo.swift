import Foundation

/// What the table header says about the machine.
enum MachineInfo {
    /// The CPU's marketing name from `/proc/cpuinfo` (`model name`), plus the flags that decide
    /// which kernels can run (AVX2, FMA, AVX-512).
    static func cpuDescription() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else {
            return "unknown CPU (/proc/cpuinfo unreadable)"
        }
        var model = "unknown"
        var flags: Set<Substring> = []
        var family = "", modelNumber = ""
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "model name" where model == "unknown": model = parts[1]
            case "cpu family" where family.isEmpty: family = parts[1]
            case "model" where modelNumber.isEmpty: modelNumber = parts[1]
            case "flags" where flags.isEmpty: flags = Set(parts[1].split(separator: " "))
            default: break
            }
        }
        let simd = ["avx2", "fma", "avx512f"].filter { flags.contains(Substring($0)) }.joined(separator: ",")
        return "\(model) (family \(family) model \(modelNumber); \(simd.isEmpty ? "no AVX2" : simd))"
    }

    /// `/proc/loadavg`'s 1, 5 and 15 minute load averages: on a shared machine a load above the
    /// processor count means other work took part of the cores during the run.
    static var loadAverage: String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Logical processors available to this process.
    static var processors: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// How the bench itself was compiled, since the tuned Swift kernel depends on it.
    static var buildDescription: String {
        #if arch(x86_64)
            let arch = "x86_64"
        #else
            let arch = "other"
        #endif
        #if DEBUG
            return "\(arch) debug build (numbers meaningless; use -c release)"
        #else
            return "\(arch) release build"
        #endif
    }
}
