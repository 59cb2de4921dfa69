/// The BLAS this process runs: which OpenBLAS kernel, its build configuration, threads, the CPU,
/// and whether OpenBLAS fell back to a generic kernel that wastes the CPU's AVX2 or AVX-512.
public struct BLASDescription: Sendable, Equatable, CustomStringConvertible {
    /// `OpenBLAS 0.3.21` (the first two words of the configuration string).
    public var library: String
    /// `openblas_get_corename()`, such as `Zen`, `SkylakeX` or `Prescott`.
    public var coreName: String
    /// `openblas_get_config()`, such as `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64`.
    public var configuration: String
    /// `openblas_get_num_threads()`.
    public var threads: Int
    /// The processor.
    public var cpu: CPUInfo
    /// `OPENBLAS_CORETYPE` as the process sees it now (nil when unset).
    public var coreTypeSetting: String?
    /// Whether `useBestCore()` set `OPENBLAS_CORETYPE` (rather than the user).
    public var coreTypeSetAutomatically: Bool
    /// The core `useBestCore()` replaced, when it replaced one.
    public var replacedCore: String?

    /// Creates a description from its parts.
    public init(
        library: String, coreName: String, configuration: String, threads: Int, cpu: CPUInfo,
        coreTypeSetting: String?, coreTypeSetAutomatically: Bool = false, replacedCore: String? = nil
    ) {
        self.library = library
        self.coreName = coreName
        self.configuration = configuration
        self.threads = threads
        self.cpu = cpu
        self.coreTypeSetting = coreTypeSetting
        self.coreTypeSetAutomatically = coreTypeSetAutomatically
        self.replacedCore = replacedCore
    }

    /// Whether the running core is a pre-AVX2 fallback on a CPU that has AVX2 or AVX-512.
    public var isGenericFallback: Bool {
        CoreSelection.preAVX2Cores.contains(coreName.lowercased())
            && CoreSelection.bestCore(cpuFlags: cpu.flags, isAMD: cpu.isAMD) != nil
    }

    /// When the user's `OPENBLAS_CORETYPE` selects a narrower kernel than the CPU runs (an AVX2
    /// core such as `Haswell` on a CPU with AVX-512), what OpenBLAS would pick itself and how to
    /// get it; nil otherwise. The setting is respected either way: this only says what it costs.
    /// (Generic pre-AVX2 cores are `fix`'s case.)
    public var slowerCoreAdvice: String? {
        guard let setting = coreTypeSetting, !coreTypeSetAutomatically, !isGenericFallback,
            let best = CoreSelection.bestCore(cpuFlags: cpu.flags, isAMD: cpu.isAMD),
            CoreSelection.tier(coreName) < CoreSelection.tier(best)
        else { return nil }
        return "OPENBLAS_CORETYPE=\(setting) runs the \(coreName) kernel on a CPU with \(cpu.vectorExtension); "
            + "OpenBLAS would pick \(best) itself. Unset OPENBLAS_CORETYPE (or set it to \(best)) for the wider kernel "
            + "(sgemm 1.8x faster with Cooperlake than Haswell on an AMD Zen 5)"
    }

    /// How to get the fast kernel when `isGenericFallback`, in words; nil otherwise.
    public var fix: String? {
        guard isGenericFallback, let best = CoreSelection.bestCore(cpuFlags: cpu.flags, isAMD: cpu.isAMD) else {
            return nil
        }
        let cause = coreTypeSetting != nil && !coreTypeSetAutomatically
            ? "OPENBLAS_CORETYPE=\(coreTypeSetting!) is set in the environment"
            : "OpenBLAS did not recognise this CPU"
        return "\(cause), so it runs its generic \(coreName) kernel on a CPU with \(cpu.vectorExtension); "
            + "run with OPENBLAS_CORETYPE=\(best) (or unset it and call BLASRuntime.useBestCore()) for the "
            + "\(best) kernel, several times faster"
    }

    /// One line for logs: `BLAS: OpenBLAS 0.3.21, core Zen, 2 threads (CPU: AMD EPYC, AVX2)`,
    /// with a note when the core was switched, set by the user, or is a generic fallback.
    public var summary: String {
        var line = "BLAS: \(library), core \(coreName), \(threads) thread\(threads == 1 ? "" : "s")"
        line += " (CPU: \(cpu.modelName.isEmpty ? "unknown" : cpu.modelName), \(cpu.vectorExtension))"
        if let replaced = replacedCore {
            line += " [switched from \(replaced)]"
        } else if let setting = coreTypeSetting, !coreTypeSetAutomatically {
            line += " [OPENBLAS_CORETYPE=\(setting) set by the user]"
        }
        if isGenericFallback { line += " WARNING: generic kernel; \(fix ?? "")" }
        if let advice = slowerCoreAdvice { line += " NOTE: \(advice)" }
        return line
    }

    /// Several lines: every field, the fallback verdict and the fix.
    public var description: String {
        var lines = [summary]
        lines.append("  library:        \(library)")
        lines.append("  core:           \(coreName)")
        lines.append("  configuration:  \(configuration)")
        lines.append("  threads:        \(threads)")
        lines.append("  CPU:            \(cpu.modelName) (\(cpu.vendor), family \(cpu.family), model \(cpu.model))")
        lines.append("  AVX-512:        \(cpu.hasAVX512 ? "yes" : "no")\(cpu.hasAVX512BF16 ? " (with BF16)" : "")")
        lines.append("  AVX2+FMA:       \(cpu.hasAVX2 ? "yes" : "no")")
        let setting = coreTypeSetting.map { "\($0)\(coreTypeSetAutomatically ? " (set by BLASRuntime.useBestCore)" : " (set by the user)")" }
        lines.append("  OPENBLAS_CORETYPE: \(setting ?? "unset")")
        if let replaced = replacedCore { lines.append("  replaced core:  \(replaced)") }
        lines.append("  generic fallback: \(isGenericFallback ? "YES" : "no")")
        if let fix { lines.append("  fix:            \(fix)") }
        return lines.joined(separator: "\n")
    }
}
