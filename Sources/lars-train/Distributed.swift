import SwiftLARS

#if canImport(LARSDistributed)
import LARSDistributed
#endif

/// The process group to train in: MPI's world when started by `mpirun` in a build with MPI
/// (SWIFT_LARS_MPI=1), otherwise this process alone.
func makeProcessGroup() throws -> any ProcessGroup {
    #if canImport(LARSDistributed)
    if MPILaunch.isUnderLauncher {
        return try MPIProcessGroup()
    }
    #endif
    return SingleProcessGroup()
}

/// Refuses to start when ranks were launched with different settings.
func checkSameConfigurationAcrossRanks(_ group: any ProcessGroup, _ configuration: TrainingConfiguration) throws {
    #if canImport(LARSDistributed)
    try group.requireSameConfiguration(configurationItems(configuration))
    #endif
}

/// The configuration as `key=value` lines, for comparison across ranks.
func configurationItems(_ configuration: TrainingConfiguration) -> [String] {
    Mirror(reflecting: configuration).children.map { "\($0.label ?? "?")=\($0.value)" }
}

/// Shuts the process group down cleanly.
func finish(_ group: any ProcessGroup) throws {
    #if canImport(LARSDistributed)
    if let mpi = group as? MPIProcessGroup { try mpi.finalize() }
    #endif
}
