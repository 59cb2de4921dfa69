import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Process-wide control of OpenBLAS: which kernel it runs and on how many threads.
///
/// OpenBLAS picks its kernel ("core") once, when the library loads, from `OPENBLAS_CORETYPE` if
/// set and otherwise from the CPU it recognises. `useBestCore()` repairs a wrong guess; every
/// executable of the package calls it first thing.
public enum BLASRuntime {
    /// Set (to `1`) next to `OPENBLAS_CORETYPE` when `useBestCore()` chose the core, so reports
    /// can tell an automatic choice from a user's, also across the re-exec fallback.
    public static let automaticMarker = "LARS_OPENBLAS_CORETYPE_AUTO"
    /// Set before the re-exec fallback so that the new process never re-executes again.
    static let reexecutedMarker = "LARS_OPENBLAS_REEXECUTED"

    /// The BLAS in use now.
    public static func describe() -> BLASDescription {
        let configuration = String(cString: openblas_get_config())
        let words = configuration.split(separator: " ")
        return BLASDescription(
            library: words.prefix(2).joined(separator: " "),
            coreName: String(cString: openblas_get_corename()),
            configuration: configuration,
            threads: Int(openblas_get_num_threads()),
            cpu: CPUInfo.current(),
            coreTypeSetting: environment("OPENBLAS_CORETYPE"),
            coreTypeSetAutomatically: environment(automaticMarker) == "1")
    }

    /// Makes OpenBLAS run the best kernel for this CPU and returns the description to print.
    ///
    /// If the user set `OPENBLAS_CORETYPE`, nothing changes (a value that `useBestCore()` set
    /// itself, marked by `LARS_OPENBLAS_CORETYPE_AUTO=1`, does not count as the user's). Otherwise, when OpenBLAS fell back to
    /// a pre-AVX2 core on a CPU with AVX2 or AVX-512 (`CoreSelection.decide`), it sets
    /// `OPENBLAS_CORETYPE` and re-initialises OpenBLAS's kernel table through
    /// `gotoblas_dynamic_quit` and `gotoblas_dynamic_init` (exported by DYNAMIC_ARCH builds such
    /// as Debian's, found with `dlsym` since `cblas.h` does not declare them). Without those
    /// symbols it re-executes the process (`/proc/self/exe`, same arguments) with the variable
    /// set, which OpenBLAS then reads at load time.
    ///
    /// Call it at the start of `main`, before other threads use BLAS: switching the kernel table
    /// while a BLAS call runs is not safe.
    @discardableResult
    public static func useBestCore() -> BLASDescription {
        let before = describe()
        // A setting that carries the marker was made by this function (in this process or a
        // parent), not by the user, so it may be revised.
        let userSetting = before.coreTypeSetAutomatically ? nil : before.coreTypeSetting
        let decision = CoreSelection.decide(
            currentCore: before.coreName, cpuFlags: before.cpu.flags, userCoreType: userSetting,
            isAMD: before.cpu.isAMD)
        guard case .switchTo(let core) = decision else { return before }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(automaticMarker, "1", 1)
        if reinitialise() {
            var after = describe()
            if !after.isGenericFallback {
                after.replacedCore = before.coreName
                return after
            }
        }
        if environment(reexecutedMarker) == nil {
            setenv(reexecutedMarker, "1", 1)
            reexecute()
        }
        // Re-executing failed, or did not help last time: carry on with the slow kernel; the description says so.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(automaticMarker)
        unsetenv(reexecutedMarker)
        return describe()
    }

    /// OpenBLAS's thread count (`openblas_get_num_threads()`).
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Sets OpenBLAS's thread count for all later calls (`openblas_set_num_threads`). The
    /// `OPENBLAS_NUM_THREADS` environment variable sets the starting value.
    public static func setThreads(_ count: Int) {
        precondition(count >= 1 && count <= Int(Int32.max), "BLASRuntime.setThreads: \(count) is not a thread count")
        openblas_set_num_threads(Int32(count))
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// Re-reads `OPENBLAS_CORETYPE` inside OpenBLAS; false when the build lacks the entry points.
    private static func reinitialise() -> Bool {
        typealias Entry = @convention(c) () -> Void
        // RTLD_DEFAULT is the null handle on glibc: search every loaded library.
        guard let quit = dlsym(nil, "gotoblas_dynamic_quit"), let initialise = dlsym(nil, "gotoblas_dynamic_init") else {
            return false
        }
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialise, to: Entry.self)()
        return true
    }

    /// Replaces the process by a fresh copy of itself; returns only if that fails.
    private static func reexecute() {
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
