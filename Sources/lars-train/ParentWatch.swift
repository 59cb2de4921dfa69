#if canImport(Glibc)
import Glibc
#endif

extension LarsTrain {
    /// The exit code of a run that diverged (`outcome.json` says where), as opposed to 1 for
    /// any other error: a program running many trainings records it and goes on.
    static let divergedExitCode: Int32 = 3
}

/// With `LARS_TRAIN_DIE_WITH_PARENT=1` (set by `lars-study` for its cells), asks the kernel to
/// kill this process when its parent dies, so that a study killed with `kill -9` leaves no
/// orphaned cell writing into its directory; the cell resumes from its last checkpoint when the
/// study is run again.
func dieWithParentIfAsked() {
    guard let value = getenv("LARS_TRAIN_DIE_WITH_PARENT"), String(cString: value) == "1" else { return }
    #if os(Linux)
    // prctl is variadic in C and not imported into Swift: call it through its address with the
    // fixed integer arguments PR_SET_PDEATHSIG takes.
    typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "prctl") else { return }
    let prctl = unsafeBitCast(symbol, to: Prctl.self)
    let parent = getppid()
    let setParentDeathSignal: Int32 = 1  // PR_SET_PDEATHSIG
    _ = prctl(setParentDeathSignal, UInt(SIGKILL), 0, 0, 0)
    // The parent may have died before the request took effect: then it never fires.
    if getppid() != parent { exit(1) }
    #endif
}

/// Writes `line` and a newline to standard error, unbuffered.
func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// The cores this process may run on.
func availableCores() -> Int {
    max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
