import ArgumentParser
import LARSCommandLine
import SwiftLARS

#if canImport(Glibc)
import Glibc
#endif

#if SWIFT_LARS_MPI
import LARSDistributed
#endif

/// `lars-train`: trains a CIFAR-style model with LARS (or LAMB, SGD, AdamW) on Fashion-MNIST,
/// MNIST, CIFAR-10 or CIFAR-100. With no flags it runs the project's default: Fashion-MNIST, the
/// small CNN, LARS at batch 512 with warm-up and polynomial decay, one model replica per core.
@main
struct LarsTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lars-train",
        abstract: "Train a CIFAR-style model with layer-wise adaptive rate scaling (LARS).",
        discussion: """
            Writes metrics.csv (a row per completed epoch), steps.csv, trust_ratios.csv, validation_steps.csv, \
            targets.csv, report.html (also when a run diverges), checkpoint.safetensors (after each completed epoch), \
            outcome.json and TensorBoard event files into --output (watch with tensorboard --logdir). Under mpirun \
            (built with SWIFT_LARS_MPI=1) every rank trains a shard of each global batch and gradients \
            are summed with MPI_Allreduce.
            """)
    /// The default run: every choice's default comes from here.
    static let recipe = TrainingConfiguration()

    // Data
    @Option(help: "Data set.")
    var dataset = RecipeDefaults.dataset
    @Option(name: .customLong("data-dir"), help: "Directory with the data set files, or the .npz file for npy (default: the data set's standard location).")
    var dataDirectory: String?
    @Option(name: .customLong("train-limit"), help: "Train on the first N training images only (quick runs).")
    var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Evaluate on the first N test images only.")
    var testLimit: Int?
    @Option(name: .customLong("validation"), help: "Hold out the last N training images as a validation split, never trained on, evaluated beside the test set.")
    var validationCount = recipe.validationCount
    @Flag(name: .customLong("no-augment"), help: "Switch off random crop and horizontal flip.")
    var noAugment = false
    @Flag(name: .customLong("no-hflip"), help: "Switch off the horizontal flip.")
    var noFlip = false
    @Option(
        name: .customLong("crop-padding"),
        help: "Zero padding of the random crop in pixels; 0 switches the crop off (default: 4 for CIFAR, 0 for Fashion-MNIST and MNIST, whose short default runs train better without it).")
    var cropPadding: Int?
    @Flag(name: .customLong("keep-last"), help: "Keep the last, smaller batch of each epoch (default: drop it).")
    var keepLast = false

    // Model
    @Option(help: "Model.")
    var model = recipe.model.builtIn!

    // Optimizer
    @Option(name: .customLong("opt"), help: "Optimizer.")
    var optimizer = recipe.optimizer
    @Option(name: .customLong("lr"), help: "Base learning rate (peak of the schedule unless --scale-lr).")
    var learningRate: Float?
    @Flag(name: .customLong("scale-lr"), help: "Linear scaling rule: peak rate = lr * batch-size / 256.")
    var scaleLearningRate = false
    @Option(help: "Momentum (LARS, SGD) or beta1 (LAMB, AdamW).")
    var momentum = recipe.momentum
    @Option(name: .customLong("weight-decay"), help: "Weight decay of conv and dense weights.")
    var weightDecay: Float?
    @Option(name: .customLong("trust-coefficient"), help: "LARS trust coefficient eta.")
    var trustCoefficient = recipe.trustCoefficient
    @Option(name: .customLong("opt-eps"), help: "Epsilon of the LARS denominator (default 0) or of Adam (LAMB 1e-6, AdamW 1e-8).")
    var epsilon: Float?
    @Option(name: .customLong("lars-denominator"), help: "LARS trust-ratio denominator.")
    var larsDenominator = recipe.larsDenominator
    @Flag(help: "Nesterov momentum.")
    var nesterov = false
    @Option(name: .customLong("momentum-placement"), help: "Where the learning rate enters the momentum update.")
    var momentumPlacement = recipe.momentumPlacement
    @Flag(name: .customLong("larc-clip"), help: "LARC clipping: per-layer rate min(trust ratio, lr) (apex LARC clip mode).")
    var larcClip = false
    @Option(name: .customLong("non-finite"), help: "On NaN or infinite gradients.")
    var nonFinite = recipe.nonFinite
    @Flag(name: .customLong("no-exclude-bias-bn"), help: "Adapt and decay biases and BatchNorm parameters too (default: excluded by kind).")
    var noExclude = false

    // Schedule
    @Option(name: .customLong("sched"), help: "Schedule after warm-up.")
    var schedule = recipe.schedule
    @Option(name: .customLong("warmup-epochs"), help: "Linear warm-up, in epochs.")
    var warmupEpochs: Double?
    @Option(name: .customLong("poly-power"), help: "Power of the polynomial decay.")
    var polyPower = recipe.polyPower
    @Option(name: .customLong("min-lr"), help: "Final learning rate of poly and cosine decay.")
    var minLearningRate = recipe.minLearningRate
    @Option(name: .customLong("decay-epochs"), parsing: .upToNextOption, help: "Epochs between decays (step) or milestones (multistep).")
    var decayEpochs = recipe.decayEpochs
    @Option(name: .customLong("decay-rate"), help: "Factor at each decay (step, multistep).")
    var decayRate = recipe.decayRate

    // Loop
    @Option(name: [.customShort("b"), .customLong("batch-size")], help: "Images per optimizer step (all micro-batches and processes).")
    var batchSize = recipe.batchSize
    @Option(
        name: .customLong("micro-batch"),
        help: "Most images one forward/backward pass runs on this process (shared by its replicas); larger steps are cut into micro-batches whose gradients are summed before the step, and BatchNorm normalises each micro-batch on its own (Caffe's iter_size; --sync-bn keeps summing statistics over processes). Default: 512 images per process for small-cnn and mlp, 256 for the ResNets (the fastest measured sizes); a resumed run keeps the count its checkpoint was cut into.")
    var microBatchLimit: Int?
    @Option(name: .customLong("grad-accum-steps"), help: "Micro-batches summed into one step (Caffe iter_size); without --micro-batch this switches the default micro-batch limit off.")
    var microBatches = recipe.microBatches
    @Flag(name: .customLong("sync-bn"), help: "Under mpirun: BatchNorm uses the statistics of the global micro-batch, summed over the processes (default: each process's own shard).")
    var syncBatchNorm = false
    @Flag(inversion: .prefixedNo, help: "ResNets: start each residual block's last BatchNorm scale at 0, so every block begins as its shortcut and the first loss is near ln(classes) (Goyal et al. 2017). Default: on.")
    var zeroInitResidual: Bool?
    @Option(help: "Epochs to train.")
    var epochs: Int?
    @Option(name: .customLong("smoothing"), help: "Label smoothing (MLPerf large-batch recipes use 0.1).")
    var labelSmoothing = recipe.labelSmoothing
    @Option(help: "Seed of initialisation, shuffling and augmentation.")
    var seed = recipe.seed
    @Option(help: "Threads of this process (default: its share of the cores), shared out among the replicas; OpenBLAS gets threads / replicas.")
    var threads: Int?
    @Option(help: "Model replicas trained side by side on those threads, each on a share of every batch, with BatchNorm statistics and gradients summed over them (default: one per thread; 1: the kernels spread over the threads instead).")
    var replicas: Int?
    @Option(help: "Kernel backend.")
    var backend = recipe.backend
    @Option(
        name: .customLong("conv-engine"),
        help: "Convolution engine (default: onednn when compiled in, else im2col).")
    var convolutionEngine: ConvolutionEngine?
    @Flag(name: .customLong("onednn-bn-pool"), inversion: .prefixedNo, help: "On the onednn engine, run BatchNorm and pooling on oneDNN too, keeping activations in its blocked layout (--no-onednn-bn-pool: convolutions only, NCHW between layers).")
    var oneDNNNormalizationAndPooling = true
    @Option(name: .customLong("eval-every"), help: "Evaluate on the test set every N epochs (and after the last).")
    var evalEvery = recipe.evalEvery
    @Option(
        name: .customLong("divergence-factor"),
        help: "Stop as diverged (exit code 3, outcome.json) when a step's loss exceeds this many times ln(classes) or is not finite; 0: only non-finite values stop the run.")
    var divergenceFactor = recipe.divergenceFactor
    @OptionGroup var measurement: MeasurementOptions  // step-wise validation, targets, noise scale

    // Output
    @Option(name: .customLong("output"), help: "Directory for logs, report and checkpoint.")
    var outputDirectory = recipe.outputDirectory
    @Option(help: "Resume from this checkpoint (for example runs/latest/checkpoint.safetensors).")
    var resume: String?
    @Flag(help: "Start a fresh run in an --output directory that holds another run's files, removing them (default: refuse).")
    var overwrite = false
    @Flag(name: .customLong("tensorboard"), inversion: .prefixedNo, help: "Write TensorBoard event files (events.out.tfevents.*) beside the CSV logs (--no-tensorboard: CSV logs only).")
    var tensorBoard = true
    @Flag(name: .customLong("blas-info"), help: "Print the BLAS in use and exit.")
    var blasInfo = false
    @Option(
        name: .customLong("export-pytorch"),
        help: "Write the PyTorch state_dict (safetensors; load_state_dict(strict=True) takes it) of the model in the --resume checkpoint, else in --output's best.safetensors or checkpoint.safetensors, to this file, and exit without training.")
    var exportPyTorch: String?

    func run() throws {
        dieWithParentIfAsked()  // first: the parent may die while the BLAS core is chosen
        let blas = BLASRuntime.useBestCore()
        if blasInfo {
            print(blas.summary)
            return
        }
        if let exportPyTorch { return try export(to: exportPyTorch) }
        let group = try makeProcessGroup()
        do {
            try train(in: group, blas: blas)
        } catch TrainingError.diverged(let epoch, let step, let reason) {
            // Every rank saw the same global loss and stops at the same step: no abort needed.
            if group.rank == 0 {
                printToStandardError("lars-train: diverged at epoch \(epoch), step \(step): \(reason)")
            }
            try? finish(group)
            throw ExitCode(LarsTrain.divergedExitCode)
        } catch where group.size > 1 {
            // Ending this rank alone would leave the others waiting in the next collective:
            // abort the whole job with the reason. The last checkpoint was written atomically.
            group.abort(message: "lars-train stopped: \(error)", code: 1)
        }
    }

    /// The run itself, on every rank of `group`.
    func train(in group: any ProcessGroup, blas: BLASDescription) throws {
        let isRoot = group.rank == 0
        // Each process gets the cores it may use; under MPI the default splits them between ranks.
        let resolvedThreads = threads ?? max(1, availableCores() / group.size)
        var configuration = makeConfiguration(threads: resolvedThreads)
        try measurement.apply(to: &configuration)
        if resume != nil && overwrite {
            throw ValidationError("--resume continues the run in --output and --overwrite replaces it: give one of them")
        }
        // A resumed run keeps the micro-batch count its checkpoint was cut into, even on another
        // number of processes (which would resolve the default limit differently).
        let plan = try TrainingPlan(
            resolving: configuration, processes: group.size, resuming: try resume.map(Trainer.savedPlan(at:)))
        try checkSameConfigurationAcrossRanks(group, configuration)

        let trainSet = try dataset.load(directory: configuration.dataDirectory, split: .train)
        let testSet = try dataset.load(directory: configuration.dataDirectory, split: .test)
        let trainer = try Trainer(configuration: configuration, trainSet: trainSet, testSet: testSet, group: group, plan: plan)
        // The trainer takes the output directory (its lock, and the refuse-or-overwrite rule)
        // when the run starts, and prints the run's header, epochs and closing list of files.
        trainer.overwrite = overwrite
        if isRoot {
            // OpenBLAS now runs one replica's share of the threads: report what runs.
            var running = blas
            running.threads = BLASRuntime.threads
            print(running.summary)
        }
        if let resume {
            try trainer.loadCheckpoint(from: resume)
            try trainer.checkEpochsLeft(resuming: resume)
        }
        try trainer.run()
        try finish(group)
    }
}
