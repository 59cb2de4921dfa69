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
    /// The run's configuration, with `accumulationSteps` resolved from the micro-batch limit
    /// (`TrainingConfiguration.resolvingMicroBatches`): this is what checkpoints record.
    public let configuration: TrainingConfiguration
    /// The model being trained (with several replicas, the primary one, whose parameters the
    /// optimizer updates and checkpoints hold). Run training passes through `network`: with
    /// replicas, a training-mode pass of `model` alone would wait for the others forever.
    public let model: Sequential
    /// What runs forward and backward: `model` itself, or a `DataParallel` of `model` and its
    /// replicas (`configuration.resolvedReplicas`).
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
    /// Epochs completed.
    public internal(set) var completedEpochs = 0
    /// Metrics of every completed epoch of this process's lifetime.
    public internal(set) var history: [EpochMetrics] = []
    /// Whether rank 0 prints progress (off in tests).
    public var printsProgress = true
    /// Whether a checkpoint is written after every epoch.
    public var writesCheckpoints = true

    let trainLoader: BatchLoader
    let parameters: [NamedParameter]
    /// The names of the groups whose parameters the trust-ratio log follows.
    let trustRatioGroups: Set<String>
    /// The flat buffer the gradients are summed across ranks in, reused every step.
    var flatGradients: [Float] = []
    var generator: SeededGenerator
    var stepLog: CSVLog?
    var trustLog: CSVLog?
    var metricsLog: CSVLog?

    /// Optimizer steps per epoch.
    public var stepsPerEpoch: Int { Self.stepsPerEpoch(trainLoader, configuration) }
    /// Optimizer steps completed.
    public var step: Int { optimizer.stepCount }
    var isRoot: Bool { group.rank == 0 }

    /// Optimizer steps in an epoch of `loader`'s micro-batches, at least one.
    static func stepsPerEpoch(_ loader: BatchLoader, _ configuration: TrainingConfiguration) -> Int {
        max(1, loader.batchesPerEpoch / configuration.accumulationSteps)
    }

    /// Sets up a run: cuts steps into micro-batches, holds out the validation split, builds the
    /// model and optimizer, computes the normalisation from the training images, and makes rank
    /// 0's initial weights everyone's. Keeps large blocks in the `malloc` heap
    /// (`HeapTuning.keepLargeBlocksInHeap()`, process-wide), which training needs to run fast.
    ///
    /// OpenBLAS's thread count is the process's and is left alone here, because changing it
    /// while other threads call BLAS is not safe: set it to `configuration.threadsPerReplica`
    /// first (`BLASRuntime.setThreads`), as `lars-train` does. Results are reproducible for a
    /// fixed count; with replicas, more than one OpenBLAS thread per replica only adds contention.
    public init(
        configuration requested: TrainingConfiguration, trainSet fullTrainSet: ImageDataset, testSet: ImageDataset,
        group: any ProcessGroup = SingleProcessGroup()
    ) throws {
        let configuration = try requested.resolvingMicroBatches(processes: group.size)
        HeapTuning.keepLargeBlocksInHeap()
        let (trainSet, validationSet) = try fullTrainSet.holdingOut(last: configuration.validationCount)
        guard trainSet.channels == testSet.channels, trainSet.height == testSet.height, trainSet.width == testSet.width else {
            throw TrainingError.invalidConfiguration(
                "training images are \(trainSet.channels)x\(trainSet.height)x\(trainSet.width), test images \(testSet.channels)x\(testSet.height)x\(testSet.width)")
        }
        guard trainSet.height == trainSet.width else {
            throw TrainingError.invalidConfiguration("images must be square, got \(trainSet.height)x\(trainSet.width)")
        }
        self.configuration = configuration
        self.group = group
        self.trainSet = trainSet
        self.validationSet = validationSet
        self.testSet = testSet
        self.files = RunFiles(directory: configuration.outputDirectory)
        self.context = ExecutionContext(
            backend: ModelFactory.backend(configuration), isTraining: true, threads: configuration.threads,
            convolutionEngine: configuration.resolvedConvolutionEngine)

        let limit = configuration.trainLimit.map { min($0, trainSet.count) } ?? trainSet.count
        normalization = Normalization(computedFrom: trainSet, limit: limit)
        var augmentation = Augmentation.none
        if let kind = DatasetKind(rawValue: configuration.dataset) {
            augmentation = kind.standardAugmentation
        }
        if let padding = configuration.cropPadding { augmentation.padding = padding }
        // A crop with no padding is the identity: treat padding 0 as "no random crop".
        augmentation.randomCrop = configuration.randomCrop && augmentation.padding > 0
        augmentation.horizontalFlip = configuration.horizontalFlip
        trainLoader = BatchLoader(
            dataset: trainSet,
            options: BatchOptions(
                batchSize: configuration.microBatchSize, shuffle: true, seed: configuration.seed,
                dropLast: configuration.dropLast, augmentation: augmentation, normalization: normalization,
                limit: configuration.trainLimit, rank: group.rank, worldSize: group.size, prefetch: true,
                threads: 1))
        guard trainLoader.batchesPerEpoch >= configuration.accumulationSteps else {
            throw TrainingError.invalidConfiguration(
                "an epoch of \(trainLoader.sampleCount) images holds fewer than one step of \(configuration.batchSize) images")
        }

        generator = SeededGenerator(seed: configuration.seed)
        let initialGenerator = generator
        let makeModel = { (generator: inout SeededGenerator) in
            try ModelFactory.make(
                configuration, channels: trainSet.channels, imageSize: trainSet.height, classes: trainSet.classCount,
                generator: &generator)
        }
        model = try makeModel(&generator)
        if configuration.resolvedReplicas > 1 {
            var replicas: [any Layer] = [model]
            for _ in 1..<configuration.resolvedReplicas {
                var replicaGenerator = initialGenerator
                replicas.append(try makeModel(&replicaGenerator))
            }
            network = DataParallel(replicas: replicas)
        } else {
            network = model
        }
        parameters = model.namedParameters
        if configuration.syncBatchNorm && group.size > 1 {
            network.setBatchStatisticsReducer(ProcessGroupStatisticsReducer(group: group))
        }
        optimizer = try OptimizerFactory.make(configuration, parameters: parameters)
        trustRatioGroups = Set(optimizer.groups.filter(\.usesTrustRatio).map(\.name))
        schedule = try ScheduleFactory.make(configuration, stepsPerEpoch: Self.stepsPerEpoch(trainLoader, configuration))
        try broadcastParameters()
    }

    /// Trains one epoch and evaluates when due. Throws `TrainingError.diverged` when a step's
    /// loss is not finite or explodes, or a gradient is not finite (with the `error` policy).
    public func trainEpoch() throws -> EpochMetrics {
        let epoch = completedEpochs
        let c = configuration
        let k = c.accumulationSteps
        let steps = stepsPerEpoch
        let batches = trainLoader.epoch(epoch)
        var progress = ProgressDisplay()
        let start = monotonicSeconds()
        var lossSum: Double = 0, correct: Double = 0, seen: Double = 0
        var lastRate: Float = 0
        // A rank's mean-loss gradient over its shard is weighted by shard/global size and by
        // 1/k: summed over the ranks and the k micro-batches it is the mean-loss gradient of
        // the whole global batch, so LARS sees the same norms whatever the process count.
        var training = context
        training.isTraining = true
        for stepIndex in 0..<steps {
            model.zeroGrad()
            var stepLoss: Double = 0, stepCount: Double = 0
            for _ in 0..<k {
                guard let batch = batches.next() else {
                    throw TrainingError.invalidConfiguration("epoch \(epoch + 1) ran out of batches at step \(stepIndex)")
                }
                let logits = network.forward(batch.images, context: training)
                var (loss, gradient) = softmaxCrossEntropy(
                    logits: logits, labels: batch.labels, labelSmoothing: c.labelSmoothing)
                let gradientScale = Float(batch.count) / Float(max(batch.globalCount, 1)) / Float(k)
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] *= gradientScale }
                }
                _ = network.backward(gradient, context: training)
                let n = Double(batch.count)
                stepLoss += Double(loss) * n
                stepCount += n
                correct += Double(correctCount(logits: logits, labels: batch.labels))
            }
            // Loss and accuracy of the global batch, summed over ranks, so every rank sees the
            // same loss and stops at the same step if it diverged.
            var sums = [stepLoss, stepCount]
            try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
            let globalLoss = sums[0] / max(sums[1], 1)
            try checkDivergence(loss: globalLoss, epoch: epoch + 1)
            try allReduceGradients()
            let rate = schedule.value(at: optimizer.stepCount)
            let report: StepReport
            do {
                report = try optimizer.step(learningRate: rate, context: training)
            } catch let error as OptimizerError {
                guard case .nonFiniteGradient = error else { throw error }
                throw TrainingError.diverged(epoch: epoch + 1, step: optimizer.stepCount + 1, reason: "\(error)")
            }
            lastRate = rate
            lossSum += sums[0]
            seen += sums[1]
            if isRoot {
                logStep(report, epoch: epoch + 1, rate: rate, loss: globalLoss)
                if printsProgress {
                    progress.update(
                        epoch: epoch + 1, epochs: c.epochs, done: Int(seen), total: steps * c.batchSize,
                        loss: lossSum / max(seen, 1), seconds: monotonicSeconds() - start)
                }
            }
        }
        let seconds = monotonicSeconds() - start
        if isRoot && printsProgress { progress.finishEpoch() }
        var counts = [correct]
        try counts.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        completedEpochs += 1
        try broadcastBuffers()
        // The loss only sees a step's weights at the next step: check the epoch's last ones (and
        // the running statistics, the same on every rank after the broadcast) before anything
        // evaluates or checkpoints them.
        try checkModelIsFinite(epoch: completedEpochs)
        var metrics = EpochMetrics(
            epoch: completedEpochs, step: optimizer.stepCount, trainLoss: lossSum / max(seen, 1),
            trainAccuracy: counts[0] / max(seen, 1), testLoss: nil, testAccuracy: nil, learningRate: lastRate,
            seconds: seconds, imagesPerSecond: seen / max(seconds, 1e-9))
        if completedEpochs % c.evalEvery == 0 || completedEpochs == c.epochs {
            (metrics.testLoss, metrics.testAccuracy) = try evaluate()
            if let validationSet {
                let (loss, accuracy) = try evaluate(on: validationSet, limit: nil)
                (metrics.validationLoss, metrics.validationAccuracy) = (loss, accuracy)
            }
        }
        history.append(metrics)
        if isRoot && printsProgress {
            print(summaryLine(metrics))
            fflush(nil)  // a log file or pipe sees each epoch as it ends, not at exit
        }
        return metrics
    }
}
