#if canImport(Glibc)
import Glibc
#endif

/// How to tell whether this process was started by an MPI launcher (`mpirun`, `mpiexec`, `srun`
/// with PMIx), so that a program can choose `MPIProcessGroup` over `SingleProcessGroup` without a
/// flag.
public enum MPILaunch {
    /// Environment variables that Open MPI's launcher (and PMI/PMIx launchers in general) set in
    /// every rank it starts.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// True when one of `launcherVariables` is set in this process's environment.
    public static var isUnderLauncher: Bool {
        launcherVariables.contains { getenv($0) != nil }
    }

    /// The world size announced by Open MPI's launcher (`OMPI_COMM_WORLD_SIZE`), if any. Useful to
    /// size thread pools before `MPI_Init`.
    public static var announcedWorldSize: Int? {
        guard let raw = getenv("OMPI_COMM_WORLD_SIZE") else { return nil }
        return Int(String(cString: raw))
    }
}
