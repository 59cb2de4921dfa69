import ArgumentParser
import SwiftLARS

#if canImport(Glibc)
import Glibc
#endif

#if SWIFT_LARS_MPI
import LARSDistributed
#endif

/// The process group to train in: MPI's world when started by `mpirun` in a build with MPI
/// (SWIFT_LARS_MPI=1), otherwise this process alone.
func makeProcessGroup() throws -> any ProcessGroup {
    #if SWIFT_LARS_MPI
    if MPILaunch.isUnderLauncher {
        return try MPIProcessGroup()
    }
    #else
    // Without MPI every rank mpirun starts would train the whole run on its own, all into the
    // same directory: refuse before any of them does.
    if let size = announcedLauncherWorldSize(), size > 1 {
        throw ValidationError(
            "started by mpirun as one of \(size) processes, but this lars-train was built without MPI; "
                + "build it with `SWIFT_LARS_MPI=1 swift build -c release` (needs libopenmpi-dev), or run it without mpirun")
    }
    #endif
    return SingleProcessGroup()
}

/// The world size an MPI launcher announced to this process (Open MPI's `OMPI_COMM_WORLD_SIZE`,
/// or PMI's `PMI_SIZE`), if it was started by one.
func announcedLauncherWorldSize() -> Int? {
    for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
        if let raw = getenv(name), let size = Int(String(cString: raw)) { return size }
    }
    return nil
}

/// Refuses to start when ranks were launched with different settings.
func checkSameConfigurationAcrossRanks(_ group: any ProcessGroup, _ configuration: TrainingConfiguration) throws {
    #if SWIFT_LARS_MPI
    try group.requireSameConfiguration(configurationItems(configuration))
    #endif
}

/// The configuration as `key=value` lines, for comparison across ranks.
func configurationItems(_ configuration: TrainingConfiguration) -> [String] {
    Mirror(reflecting: configuration).children.map { "\($0.label ?? "?")=\($0.value)" }
}

/// Shuts the process group down cleanly.
func finish(_ group: any ProcessGroup) throws {
    #if SWIFT_LARS_MPI
    if let mpi = group as? MPIProcessGroup { try mpi.finalize() }
    #endif
}
