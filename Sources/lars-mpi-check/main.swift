import ArgumentParser
import LARSDistributed
import LARSTraining

/// `lars-mpi-check`: the data-parallel checks that LARSDistributedTests run under
/// `mpirun -np 2`, and the MPI_Allreduce timing in docs/distributed.md.
struct LARSMPICheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lars-mpi-check",
        abstract: "Checks data-parallel training on MPI against a single-process run.",
        subcommands: [Agreement.self, AllReduceBench.self, StepBench.self],
        defaultSubcommand: Agreement.self)
}

extension LARSMPICheck {
    struct Agreement: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "agreement",
            abstract: "k LARS steps of a small MLP (no BatchNorm, or one with --model layers-bn) at global batch B, sharded over the ranks, "
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
        @Option(help: "Split every allreduce and broadcast into MPI calls of at most this many elements.")
        var maxChunk: Int?
        @Option(help: "inline (a hand-written MLP and LARS), layers (LARSNN Dense/ReLU and LARSOptimizers.LARS) or layers-bn (the same with a BatchNorm after the first Dense).")
        var model = "inline"
        @Flag(name: .customLong("sync-bn"), help: "With --model layers-bn: BatchNorm sums its batch statistics over the ranks.")
        var syncBatchNorm = false
        @Option(help: "Any text; launch ranks with different tags to see the configuration check refuse them.")
        var configTag = ""

        func run() throws {
            guard let mode = FailureMode(rawValue: failHow) else {
                throw ValidationError("--fail-how must be one of \(FailureMode.allCases.map(\.rawValue))")
            }
            if let maxChunk, !(1...Int(Int32.max)).contains(maxChunk) {
                throw ValidationError("--max-chunk must be in 1...\(Int32.max), got \(maxChunk)")
            }
            guard ["inline", "layers", "layers-bn"].contains(model) else {
                throw ValidationError("--model must be inline, layers or layers-bn, got \(model)")
            }
            if syncBatchNorm && model != "layers-bn" {
                throw ValidationError("--sync-bn needs --model layers-bn")
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
            settings.batchNorm = model == "layers-bn"
            settings.syncBatchNorm = syncBatchNorm
            let agrees = MPIProcessGroup.withWorld { group in
                try group.requireSameConfiguration(Array(CommandLine.arguments.dropFirst()))
                if let maxChunk { group.maximumChunk = maxChunk }
                return model.hasPrefix("layers")
                    ? try runLayersAgreement(settings, group: group) : try runAgreement(settings, group: group)
            }
            if !agrees { throw ExitCode(1) }
        }
    }

    struct AllReduceBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allreduce-bench", abstract: "Times allReduceSum on a Float buffer (rank 0 prints).")

        @Option(help: "Floats per allreduce (small CNN 421,738, ResNet-20 272,474).") var count = 421_738
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

extension LARSMPICheck {
    struct StepBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "step-bench",
            abstract: "Times data-parallel training steps of the small CNN or ResNet-20 (rank 0 prints images/s). "
                + "Set OPENBLAS_NUM_THREADS to --threads.")

        @Option(help: "small-cnn or resnet20.") var model = "small-cnn"
        @Option(help: "Global batch, split over the ranks.") var batch = 256
        @Option(help: "Timed steps.") var steps = 10
        @Option(help: "Untimed steps first.") var warmup = 2
        @Option(help: "Swift threads per rank (set OPENBLAS_NUM_THREADS to match).") var threads = 1

        func run() throws {
            guard let kind = BenchModel(rawValue: model) else {
                throw ValidationError("--model must be one of \(BenchModel.allCases.map(\.rawValue))")
            }
            MPIProcessGroup.withWorld { group in
                try group.requireSameConfiguration(Array(CommandLine.arguments.dropFirst()))
                try runStepBench(
                    model: kind, globalBatch: batch, steps: steps, warmup: warmup, threads: threads, group: group)
            }
        }
    }
}

LARSMPICheck.main()
