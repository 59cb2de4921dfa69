import ArgumentParser
import LARSDistributed
import LARSTraining

/// `lars-mpi-check`: the data-parallel checks that LARSDistributedTests run under
/// `mpirun -np 2`, and the MPI_Allreduce timing for the README.
struct LARSMPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lars-mpi-check",
        abstract: "Checks data-parallel training on MPI against a single-process run.",
        subcommands: [Agreement.self, AllReduceBench.self],
        defaultSubcommand: Agreement.self)
}

extension LARSMPICheck {
    struct Agreement: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agreement",
            abstract: "k LARS steps of a small MLP (no BatchNorm) at global batch B, sharded over the ranks, "
                + "compared on rank 0 with one process at batch B.")

        @Option(help: "Optimizer steps.") var steps = 5
        @Option(help: "Global batch size B, split into contiguous shards.") var batch = 64
        @Option(help: "Seed for data and initial weights.") var seed: UInt64 = 1
        @Option(help: "Allowed max |w_mpi - w_single|, relative to max(1, max |w|).") var tolerance: Float = 1e-5
        @Flag(name: .customLong("skip-allreduce"), help: "Negative control: do not sum gradients across ranks (the check must then fail).")
        var skipAllReduce = false
        @Option(help: "This rank fails on purpose at --fail-step.") var failRank: Int?
        @Option(help: "The step at which --fail-rank fails.") var failStep = 1
        @Option(help: "How --fail-rank fails: exit, abort or throw.") var failHow = "exit"
        @Option(help: "Any text; launch ranks with different tags to see the configuration check refuse them.")
        var configTag = ""

        func run() throws {
            guard let mode = FailureMode(rawValue: failHow) else {
                throw ValidationError("--fail-how must be one of \(FailureMode.allCases.map(\.rawValue))")
            }
            var settings = AgreementSettings()
            settings.steps = steps
            settings.batch = batch
            settings.seed = seed
            settings.tolerance = tolerance
            settings.skipAllReduce = skipAllReduce
            settings.failRank = failRank
            settings.failStep = failStep
            settings.failureMode = mode
            let agrees = MPIProcessGroup.withWorld { group in
                try group.requireSameConfiguration(Array(CommandLine.arguments.dropFirst()))
                return try runAgreement(settings, group: group)
            }
            if !agrees { throw ExitCode(1) }
        }
    }

    struct AllReduceBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allreduce-bench", abstract: "Times allReduceSum on a Float buffer (rank 0 prints).")

        @Option(help: "Floats per allreduce (small CNN 421,834, ResNet-20 ~0.27M).") var count = 421_834
        @Option(help: "Timed calls.") var repeats = 200
        @Option(help: "Untimed calls first.") var warmup = 10

        func run() throws {
            MPIProcessGroup.withWorld { group in
                try group.requireSameConfiguration(Array(CommandLine.arguments.dropFirst()))
                try runAllReduceBench(count: count, repeats: repeats, warmup: warmup, group: group)
            }
        }
    }
}

LARSMPICheck.main()
