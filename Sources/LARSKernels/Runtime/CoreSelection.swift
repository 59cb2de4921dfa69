/// What to do about the OpenBLAS kernel ("core") chosen when the library loaded.
///
/// Debian's OpenBLAS 0.3.21 does not recognise some newer CPUs (Xeons of family 6, model 207,
/// for one) and silently falls back to a generic SSE3 kernel such as `Prescott`, several times
/// slower than the AVX2 or AVX-512 kernels the CPU can run. `decide` is the pure rule that
/// `BLASRuntime.useBestCore()` applies; it only ever replaces such a fallback, and never
/// overrides a user's `OPENBLAS_CORETYPE`.
public enum CoreSelection: Sendable, Equatable, CustomStringConvertible {
    /// The loaded core suits the CPU (or nothing better exists for it).
    case keep
    /// The loaded core is a generic fallback: switch to this `OPENBLAS_CORETYPE` value.
    case switchTo(String)
    /// The user set `OPENBLAS_CORETYPE` to this value; leave it alone.
    case respectUserSetting(String)

    /// OpenBLAS cores that predate AVX2 (lower-cased `openblas_get_corename()` values). Running
    /// one of them on a CPU with AVX2 or AVX-512 means OpenBLAS did not recognise the CPU.
    public static let preAVX2Cores: Set<String> = [
        "generic", "unknown", "prescott", "core2", "penryn", "dunnington", "nehalem", "atom",
        "katmai", "coppermine", "northwood", "banias", "yonah", "opteron", "opteron_sse3",
        "barcelona", "bobcat", "athlon", "sandybridge", "bulldozer", "piledriver", "steamroller",
        "excavator", "nano",
    ]

    /// Decides what to do about OpenBLAS's core.
    ///
    /// - `currentCore`: `openblas_get_corename()`, any case.
    /// - `cpuFlags`: the CPU's lower-case `/proc/cpuinfo` flags.
    /// - `userCoreType`: the `OPENBLAS_CORETYPE` environment variable, or nil when unset.
    /// - `isAMD`: whether the CPU is AMD's, which prefers the `Zen` kernel to `Haswell` for AVX2.
    ///
    /// A non-empty `userCoreType` always wins. Otherwise a pre-AVX2 core on a CPU with AVX-512
    /// becomes `Cooperlake` (with BF16) or `SkylakeX`, on a CPU with AVX2 `Zen` (AMD) or
    /// `Haswell`; everything else is kept.
    public static func decide(
        currentCore: String, cpuFlags: Set<String>, userCoreType: String?, isAMD: Bool = false
    ) -> CoreSelection {
        if let user = userCoreType, !user.isEmpty { return .respectUserSetting(user) }
        guard preAVX2Cores.contains(currentCore.lowercased()) else { return .keep }
        if let best = bestCore(cpuFlags: cpuFlags, isAMD: isAMD) { return .switchTo(best) }
        return .keep
    }

    /// The best OpenBLAS 0.3.21 core for a CPU with these flags, or nil if it has no AVX2.
    public static func bestCore(cpuFlags: Set<String>, isAMD: Bool) -> String? {
        if CPUInfo.hasAVX512(cpuFlags) {
            return cpuFlags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if CPUInfo.hasAVX2(cpuFlags) { return isAMD ? "Zen" : "Haswell" }
        return nil
    }

    /// OpenBLAS cores with AVX-512 kernels (lower-cased).
    public static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// How wide a core's kernels are: 0 before AVX2, 1 for AVX2 (`Haswell`, `Zen`, ...), 2 for
    /// AVX-512. A core of a lower tier than the CPU's best leaves speed unused.
    public static func tier(_ core: String) -> Int {
        let name = core.lowercased()
        if preAVX2Cores.contains(name) { return 0 }
        return avx512Cores.contains(name) ? 2 : 1
    }

    /// `keep`, `switch to SkylakeX` or `respect OPENBLAS_CORETYPE=...`.
    public var description: String {
        switch self {
        case .keep: return "keep"
        case .switchTo(let core): return "switch to \(core)"
        case .respectUserSetting(let core): return "respect OPENBLAS_CORETYPE=\(core)"
        }
    }
}
