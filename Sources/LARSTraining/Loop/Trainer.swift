#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Trains a model with explicit forward and backward passes: micro-batches summed into one
/// optimizer step, gradients summed across processes, the learning rate from a schedule, logs
/// and a report written as the run goes, and an atomic checkpoint after every epoch.
///
/// Rank 0 alone prints, logs and writes files; every rank runs the same steps.
public final class Trainer {
    /// The run's configuration, as asked for: checkpoints record it.
    public let configuration: TrainingConfiguration
    /// What the run resolved from it: micro-batches, replicas and their threads, engine and peak
    /// rate. Checkpoints record it too, and a resume compares it.
    public let plan: TrainingPlan
    /// The model being trained (with several replicas, the primary one, whose parameters the
    /// optimizer updates and checkpoints hold). Run training passes through `network`: with
    /// replicas, a training-mode pass of `model` alone would wait for the others forever.
    public let model: any Layer
    /// What runs forward and backward: `model` itself, or a `DataParallel` of `model` and its
    /// replicas (`plan.replicas`).
    public let network: any Layer
    /// The optimizer over the model's parameter groups.
    public let optimizer: any Optimizer
    /// The learning-rate schedule, per optimizer step.
    public let schedule: LearningRateSchedule
    /// Where the kernels run.
    public let context: ExecutionContext
    /// The processes training together.
    public let group: any ProcessGroup
    /// Per-channel normalisation computed from the training images (not the validation split).
    public let normalization: Normalization
    /// Output files.
    public let files: RunFiles
    /// The images trained on: the training set less the validation split.
    public let trainSet: ImageDataset
    /// The last `configuration.validationCount` training images, held out; `nil` without a split.
    public let validationSet: ImageDataset?
    /// The test images.
    public let testSet: ImageDataset
    /// The estimated peak memory of a training step (checked against the machine at start).
    public let memoryEstimate: MemoryEstimate
    /// Epochs completed.
    public internal(set) var completedEpochs = 0
    /// Metrics of every completed epoch of this process's lifetime.
    public internal(set) var history: [EpochMetrics] = []
    /// Whether rank 0 prints: a header naming the data, model, optimizer, schedule and what was
    /// resumed when `run()` starts, a progress line during each epoch and a summary after it, and
    /// the final accuracy and the files written when `run()` ends, as `lars-train` does (off in
    /// tests).
    public var printsProgress = true
    /// Whether a run whose output directory holds another run's files (`RunFiles.all`) replaces
    /// them (they are removed when this run writes its first file); `false`: the run refuses to
    /// start with `TrainingError.invalidConfiguration`, as `lars-train` without `--overwrite`
    /// does. A run resuming the directory's own checkpoint (`loadCheckpoint(from:)`) keeps them.
    public var overwrite = false
    /// The checkpoint `loadCheckpoint(from:)` restored, if any, and the epoch it ended.
    public internal(set) var resumed: (path: String, epoch: Int)?
    /// The hold on the output directory while the run writes there (rank 0), taken by the first
    /// `run()` or `trainEpoch()` and released when the last epoch is done.
    var outputLock: OutputDirectoryLock?
    /// The earlier run's files that `overwrite` removed, and interrupted writes' temporary files.
    var removedFiles: [String] = []
    /// Whether a checkpoint is written after every epoch.
    public var writesCheckpoints = true

    let trainLoader: BatchLoader
    let parameters: [NamedParameter]
    /// The model's one parameter store, so that a collective on the whole model is one call on
    /// one buffer.
    let parameterStore: ParameterStore
    /// The names of the groups whose parameters the trust-ratio log follows.
    let trustRatioGroups: Set<String>
    var generator: SeededGenerator
    /// The best score so far (validation accuracy with a split, else test accuracy), whose
    /// checkpoint is `files.best`.
    var bestScore: Double?
    /// The data's identity (`ImageDataset.fingerprint` of each split), recorded in checkpoints.
    lazy var dataFingerprint: String = {
        ["train " + trainSet.fingerprint, validationSet.map { "validation " + $0.fingerprint }, "test " + testSet.fingerprint]
            .compactMap { $0 }.joined(separator: "; ")
    }()
    /// Steps skipped in a row for non-finite gradients (the `skip` policy), up to `skipLimit`.
    var consecutiveSkips = 0
    var stepLog: CSVLog?
    var trustLog: CSVLog?
    var metricsLog: CSVLog?
    /// The TensorBoard event file (`TrainerTensorBoard.swift`), when the run writes one.
    var eventFile: TensorBoardEventFile?
    /// The gradient noise scale's running averages (`TrainerNoiseScale.swift`).
    public internal(set) var noiseScale = GradientNoiseScale()
    /// Step-wise validation and steps to each target (`TrainerStepwiseValidation.swift`).
    var stepwise = StepwiseValidationState()
    /// Measures each step's micro-batch gradients; `nil` when a step is one pass on one process.
    var noiseProbe: NoiseScaleProbe?
    /// The current epoch's phase times (`EpochMetrics.phases`).
    var phases = PhaseClock()

    /// Optimizer steps per epoch.
    public var stepsPerEpoch: Int { Self.stepsPerEpoch(trainLoader, plan) }
    /// Optimizer steps completed.
    public var step: Int { optimizer.stepCount }
    var isRoot: Bool { group.rank == 0 }

    /// Optimizer steps in an epoch of `loader`'s micro-batches, at least one.
    static func stepsPerEpoch(_ loader: BatchLoader, _ plan: TrainingPlan) -> Int {
        max(1, loader.batchesPerEpoch / plan.microBatches)
    }

    /// Sets up a run of any model: cuts steps into micro-batches, holds out the validation
    /// split, builds the model (and its replicas) with `makeModel`, the optimizer from the
    /// configuration, computes the normalisation from the training images, and makes rank 0's
    /// initial weights everyone's. Its `ExecutionContext`, like the first one any process makes,
    /// keeps large blocks in the `malloc` heap (`HeapTuning.keepLargeBlocksInHeap()`,
    /// process-wide), which training needs to run fast.
    ///
    /// - Parameters:
    ///   - configuration: the run's settings; its `plan` is resolved from them.
    ///   - makeModel: builds a new model for images of the data sets' shape `[N, C, H, W]` with
    ///     `trainSet.classCount` outputs, initialised from the generator it is given. It is
    ///     called once per replica (each time with the same generator state, so replicas start
    ///     equal) and for the memory estimate; each call must return a new object.
    ///     `configuration.model` then only names the model in logs and checkpoints.
    ///   - fullTrainSet: the training images (`trainSet`); the validation split is held out of it.
    ///   - testSet: the held-out images the run evaluates, of the same size as the training images.
    ///   - group: the processes of the run; one process unless under MPI.
    ///   - plan: the run's plan when the caller resolved it first (`TrainingPlan(resolving:
    ///     processes:resuming:)`, as `lars-train` does to keep a resumed checkpoint's split and
    ///     to set BLAS threads); `nil`: resolved here from `configuration`.
    ///
    /// The initializer sets OpenBLAS's thread count, which is the process's, to the plan's
    /// `threadsPerReplica` (`BLASRuntime.setThreads`): with replicas, more than one OpenBLAS
    /// thread per replica only adds contention. Changing the count while other threads call BLAS
    /// is not safe, so do not make a `Trainer` while another one trains in the process. Results
    /// are reproducible for a fixed count.
    ///
    /// - Throws: `TrainingError.invalidConfiguration` when the configuration is inconsistent, the
    ///   model does not take the data's images (naming the layer that refuses them, however
    ///   deep), gives another number of classes, or needs more memory than the machine has;
    ///   `DatasetSplitError` when the validation split cannot be held out.
    public init(
        configuration: TrainingConfiguration, model makeModel: @escaping (inout SeededGenerator) throws -> any Layer,
        trainSet fullTrainSet: ImageDataset, testSet: ImageDataset, group: any ProcessGroup = SingleProcessGroup(),
        plan: TrainingPlan? = nil
    ) throws {
        let plan = try Self.checkedPlan(plan, configuration, group: group).resolvingData(fullTrainSet, for: configuration)
        let (trainSet, validationSet) = try Self.splitData(fullTrainSet, testSet: testSet, configuration)
        (self.trainSet, self.validationSet) = (trainSet, validationSet)
        self.configuration = configuration
        self.plan = plan
        if BLASRuntime.threads != plan.threadsPerReplica { BLASRuntime.setThreads(plan.threadsPerReplica) }
        self.group = group
        self.testSet = testSet
        self.files = RunFiles(directory: configuration.outputDirectory)
        self.context = Self.makeContext(configuration, plan)

        try Self.checkClasses(trainSet)
        let limit = configuration.trainLimit.map { min($0, trainSet.count) } ?? trainSet.count
        normalization = Normalization(computedFrom: trainSet, limit: limit)
        trainLoader = try Self.makeLoader(trainSet, configuration, plan, normalization: normalization, group: group)
        // Only after the cheap checks of the data: the estimate builds a model.
        memoryEstimate = try Self.estimateMemory(plan, trainSet: trainSet, context: context, makeModel: makeModel)

        generator = SeededGenerator(seed: configuration.seed)
        (model, parameterStore, network) = try Self.makeNetwork(plan, makeModel, generator: &generator)
        parameters = model.namedParameters
        if configuration.syncBatchNorm && group.size > 1 {
            network.setBatchStatisticsReducer(ProcessGroupStatisticsReducer(group: group))
        }
        optimizer = try OptimizerFactory.make(configuration, parameters: parameters)
        trustRatioGroups = Set(optimizer.groups.filter(\.usesTrustRatio).map(\.name))
        if plan.microBatches > 1 || group.size > 1 {
            noiseProbe = NoiseScaleProbe(count: parameterStore.count)
        }
        schedule = try ScheduleFactory.make(
            configuration, peakLearningRate: plan.peakLearningRate, stepsPerEpoch: Self.stepsPerEpoch(trainLoader, plan))
        try broadcastParameters()
    }
}
