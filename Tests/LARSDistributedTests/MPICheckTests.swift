import Foundation
import Testing

/// Data parallelism on Open MPI, end to end: `mpirun -np 2 lars-mpi-check ...` on this machine.
/// Serialized: each job already uses both cores.
@Suite("MPI data parallelism", .serialized)
struct MPICheckTests {
    /// A job that must finish in about a second; far above that means it hung.
    let hangLimit = 60.0

    @Test("2 ranks at global batch B give the weights of 1 process at batch B")
    func twoRanksMatchOneProcess() throws {
        let result = try MPIRunner.run(["-np", "2", "{check}", "agreement", "--steps", "8", "--batch", "63"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("AGREEMENT OK"), "\(result.output)")
        #expect(result.output.contains("ranks: 2"), "\(result.output)")
        #expect(result.output.contains("rank spread (sum over ranks of max |w_r - w_0|): 0.0"), "\(result.output)")
    }

    @Test("the library's Dense layers and LARS optimizer: 2 ranks match 1 process, and the check can fail")
    func layersAndLARSMatchOneProcess() throws {
        let result = try MPIRunner.run(["-np", "2", "{check}", "agreement", "--model", "layers", "--steps", "8", "--batch", "63"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("LARSOptimizers.LARS, ranks: 2"), "\(result.output)")
        #expect(result.output.contains("AGREEMENT OK"), "\(result.output)")
        let control = try MPIRunner.run(["-np", "2", "{check}", "agreement", "--model", "layers", "--skip-allreduce"])
        #expect(control.status != 0, "\(control.output)")
        #expect(control.output.contains("AGREEMENT FAILED"), "\(control.output)")
    }

    @Test("synchronised BatchNorm: 2 ranks match 1 process (and 3 uneven ranks); local statistics clearly do not")
    func synchronisedBatchNormMatchesOneProcess() throws {
        let synced = try MPIRunner.run(
            ["-np", "2", "{check}", "agreement", "--model", "layers-bn", "--sync-bn", "--steps", "8", "--batch", "63"])
        #expect(synced.status == 0, "\(synced.output)")
        #expect(synced.output.contains("BatchNorm(synchronised)"), "\(synced.output)")
        #expect(synced.output.contains("AGREEMENT OK"), "\(synced.output)")
        #expect(synced.output.contains("rank spread (sum over ranks of max |w_r - w_0|): 0.0"), "\(synced.output)")
        // Shards of 17, 17 and 16 rows: the global count must come from the reduction.
        let uneven = try MPIRunner.run(
            ["-np", "3", "{check}", "agreement", "--model", "layers-bn", "--sync-bn", "--steps", "4", "--batch", "50"])
        #expect(uneven.status == 0, "\(uneven.output)")
        #expect(uneven.output.contains("AGREEMENT OK"), "\(uneven.output)")
        // The same run with each rank's own statistics must miss by far more than the tolerance.
        let local = try MPIRunner.run(
            ["-np", "2", "{check}", "agreement", "--model", "layers-bn", "--steps", "8", "--batch", "63"])
        #expect(local.status != 0, "\(local.output)")
        #expect(local.output.contains("BatchNorm(local statistics)"), "\(local.output)")
        #expect(local.output.contains("AGREEMENT FAILED"), "\(local.output)")
        let (syncedMiss, localMiss) = (weightDifference(synced.output), weightDifference(local.output))
        #expect(syncedMiss != nil && localMiss != nil, "\(synced.output)\n\(local.output)")
        if let syncedMiss, let localMiss { #expect(localMiss > 1000 * max(syncedMiss, 1e-7), "\(syncedMiss) vs \(localMiss)") }
    }

    /// The `max |w_mpi - w_single| = ...` figure of an agreement run.
    private func weightDifference(_ output: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("max |w_mpi - w_single| = ") }) else {
            return nil
        }
        return Double(line.dropFirst("max |w_mpi - w_single| = ".count).prefix { $0 != " " })
    }

    @Test("allreduce and broadcast split into many MPI calls give the same agreement")
    func chunkedCollectivesAgree() throws {
        // 837 parameters in chunks of 100: 9 MPI_Allreduce calls per step, the last one short.
        let result = try MPIRunner.run(["-np", "2", "{check}", "agreement", "--steps", "4", "--max-chunk", "100"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("AGREEMENT OK"), "\(result.output)")
    }

    @Test("3 ranks with an uneven split of the batch also agree")
    func threeRanksUnevenShards() throws {
        let result = try MPIRunner.run(["-np", "3", "{check}", "agreement", "--steps", "4", "--batch", "50"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("AGREEMENT OK"), "\(result.output)")
    }

    @Test("without the gradient allreduce the comparison fails (the check can fail)")
    func skippingTheAllReduceIsDetected() throws {
        let result = try MPIRunner.run(["-np", "2", "{check}", "agreement", "--skip-allreduce"])
        #expect(result.status != 0, "\(result.output)")
        #expect(result.output.contains("AGREEMENT FAILED"), "\(result.output)")
    }

    @Test("a rank that fails early ends the job quickly with a message", arguments: ["exit", "abort", "throw"])
    func failingRankEndsTheJob(how: String) throws {
        let result = try MPIRunner.run(
            ["-np", "2", "{check}", "agreement", "--steps", "50", "--fail-rank", "1", "--fail-how", how],
            timeLimit: hangLimit)
        #expect(!result.timedOut, "the job hung for \(hangLimit) s after rank 1 failed and was killed:\n\(result.output)")
        #expect(result.status != nil && result.status != 0, "\(result.output)")
        #expect(result.output.contains("rank 1 fails on purpose at step 1 (--fail-how \(how))"), "\(result.output)")
        #expect(!result.output.contains("AGREEMENT OK"), "\(result.output)")
    }

    @Test("ranks launched with different flags are refused at start, naming the difference")
    func mismatchedFlagsAreRefused() throws {
        let result = try MPIRunner.run(
            ["-np", "1", "{check}", "agreement", "--steps", "3", ":", "-np", "1", "{check}", "agreement", "--steps", "4"],
            timeLimit: hangLimit)
        #expect(!result.timedOut, "\(result.output)")
        #expect(result.status != nil && result.status != 0, "\(result.output)")
        #expect(
            result.output.contains("ranks were launched with different configurations: item 3 after `--steps`: rank 0 has `3`, rank 1 has `4`"),
            "\(result.output)")
        #expect(!result.output.contains("AGREEMENT"), "\(result.output)")
    }
}
