#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The result of one epoch, as logged in `metrics.csv`.
public struct EpochMetrics: Sendable, Equatable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Optimizer steps completed at the end of the epoch.
    public var step: Int
    /// Mean training loss over the epoch's images (as seen during training, with augmentation).
    public var trainLoss: Double
    /// Training top-1 accuracy over the epoch's images.
    public var trainAccuracy: Double
    /// Test loss, or `nil` when the epoch was not evaluated.
    public var testLoss: Double?
    /// Test top-1 accuracy, or `nil` when the epoch was not evaluated.
    public var testAccuracy: Double?
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// Wall time of the epoch's training (not evaluation), seconds.
    public var seconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double
}

/// Trains a model with explicit forward and backward passes: micro-batches summed into one
/// optimizer step, gradients summed across processes, the learning rate from a schedule, logs
/// and a report written as the run goes, and an atomic checkpoint after every epoch.
///
/// Rank 0 alone prints, logs and writes files; every rank runs the same steps.
public final class Trainer {
    /// The run's configuration.
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
    /// Per-channel normalisation computed from the training set.
    public let normalization: Normalization
    /// Output files.
    public let files: RunFiles
    /// Epochs completed.
    public internal(set) var completedEpochs = 0
    /// Metrics of every completed epoch of this process's lifetime.
    public private(set) var history: [EpochMetrics] = []
    /// Whether rank 0 prints progress (off in tests).
    public var printsProgress = true
    /// Whether a checkpoint is written after every epoch.
    public var writesCheckpoints = true

    let trainSet: ImageDataset
    let testSet: ImageDataset
    let trainLoader: BatchLoader
    let parameters: [NamedParameter]
    /// The names of the groups whose parameters the trust-ratio log follows.
    let trustRatioGroups: Set<String>
    /// The flat buffer the gradients are summed across ranks in, reused every step.
    private var flatGradients: [Float] = []
    var generator: SeededGenerator
    private var stepLog: CSVLog?
    private var trustLog: CSVLog?
    private var metricsLog: CSVLog?

    /// Optimizer steps per epoch.
    public var stepsPerEpoch: Int { max(1, trainLoader.batchesPerEpoch / configuration.accumulationSteps) }
    /// Optimizer steps completed.
    public var step: Int { optimizer.stepCount }
    var isRoot: Bool { group.rank == 0 }

    /// Sets up a run: builds the model and optimizer, computes the normalisation from the
    /// training set, and makes rank 0's initial weights everyone's. Keeps large blocks in the
    /// `malloc` heap (`HeapTuning.keepLargeBlocksInHeap()`, process-wide), which training needs
    /// to run fast.
    ///
    /// OpenBLAS's thread count is the process's and is left alone here, because changing it
    /// while other threads call BLAS is not safe: set it to `configuration.threadsPerReplica`
    /// first (`BLASRuntime.setThreads`), as `lars-train` does. Results are reproducible for a
    /// fixed count; with replicas, more than one OpenBLAS thread per replica only adds contention.
    public init(
        configuration: TrainingConfiguration, trainSet: ImageDataset, testSet: ImageDataset,
        group: any ProcessGroup = SingleProcessGroup()
    ) throws {
        try configuration.validate()
        HeapTuning.keepLargeBlocksInHeap()
        guard trainSet.channels == testSet.channels, trainSet.height == testSet.height, trainSet.width == testSet.width else {
            throw TrainingError.invalidConfiguration(
                "training images are \(trainSet.channels)x\(trainSet.height)x\(trainSet.width), test images \(testSet.channels)x\(testSet.height)x\(testSet.width)")
        }
        guard trainSet.height == trainSet.width else {
            throw TrainingError.invalidConfiguration("images must be square, got \(trainSet.height)x\(trainSet.width)")
        }
        guard configuration.microBatchSize % group.size == 0 else {
            throw TrainingError.invalidConfiguration(
                "micro-batch of \(configuration.microBatchSize) images cannot be split evenly over \(group.size) processes")
        }
        self.configuration = configuration
        self.group = group
        self.trainSet = trainSet
        self.testSet = testSet
        self.files = RunFiles(directory: configuration.outputDirectory)
        self.context = ExecutionContext(
            backend: ModelFactory.backend(configuration), isTraining: true, threads: configuration.threads)

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
        let stepsPerEpoch = max(1, trainLoader.batchesPerEpoch / configuration.accumulationSteps)
        optimizer = try OptimizerFactory.make(configuration, parameters: parameters)
        trustRatioGroups = Set(optimizer.groups.filter(\.usesTrustRatio).map(\.name))
        schedule = try ScheduleFactory.make(configuration, stepsPerEpoch: stepsPerEpoch)
        try broadcastParameters()
    }

    /// Copies rank 0's parameters and buffers to every rank, so all start from the same weights.
    func broadcastParameters() throws {
        guard group.size > 1 else { return }
        for p in parameters {
            try p.parameter.value.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
        }
        try broadcastBuffers()
    }

    /// Copies rank 0's buffers (BatchNorm running statistics) to every rank. With local batch
    /// statistics each rank's running averages drift apart; PyTorch DDP broadcasts them from
    /// rank 0, and so do we at the end of every epoch, so that evaluation uses one set of
    /// statistics and a checkpoint (rank 0's) resumes exactly what every rank had.
    func broadcastBuffers() throws {
        guard group.size > 1 else { return }
        for b in model.namedBuffers {
            try b.buffer.value.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
        }
    }

    /// Trains until `configuration.epochs` epochs are complete, evaluating, logging, reporting
    /// and checkpointing on the way; returns the metrics of the epochs run now.
    @discardableResult
    public func run() throws -> [EpochMetrics] {
        if isRoot { try openLogs() }
        if isRoot && printsProgress && configuration.resolvedReplicas > 1
            && configuration.backend == "openblas" && BLASRuntime.threads > configuration.threadsPerReplica
        {
            // Several multi-threaded gemms at once contend for the cores: say how to fix it.
            print(
                "note: OpenBLAS runs \(BLASRuntime.threads) threads for each of \(configuration.resolvedReplicas) replicas; "
                    + "BLASRuntime.setThreads(\(configuration.threadsPerReplica)) before training is faster")
        }
        var ran: [EpochMetrics] = []
        while completedEpochs < configuration.epochs {
            let metrics = try trainEpoch()
            ran.append(metrics)
            if isRoot {
                try writeEpochOutputs(metrics)
            }
        }
        return ran
    }

    /// Opens the CSV logs, continuing them when resuming.
    func openLogs() throws {
        try makeDirectories(files.directory)
        let resuming = completedEpochs > 0
        // Rows past the checkpoint belong to the interrupted run's lost work: drop them.
        let epochs = completedEpochs, steps = optimizer.stepCount
        metricsLog = try CSVLog(
            path: files.metrics, columns: RunFiles.metricsColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) <= epochs })
        stepLog = try CSVLog(
            path: files.steps, columns: RunFiles.stepColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) < steps })
        trustLog = try CSVLog(
            path: files.trustRatios, columns: RunFiles.trustRatioColumns, append: resuming,
            keepRow: { (Int($0[0]) ?? Int.max) < steps })
    }

    func writeEpochOutputs(_ m: EpochMetrics) throws {
        metricsLog?.append([
            "\(m.epoch)", "\(m.step)", format(m.trainLoss, 5), format(m.trainAccuracy, 5),
            m.testLoss.map { format($0, 5) } ?? "", m.testAccuracy.map { format($0, 5) } ?? "",
            "\(m.learningRate)", format(m.seconds, 3), format(m.imagesPerSecond, 1),
        ])
        if writesCheckpoints { try saveCheckpoint(to: files.checkpoint) }
        try TrainingReport.write(files: files, title: "swift-lars training run", details: reportDetails())
    }

    /// Key facts of the run for the report's header.
    func reportDetails() -> [(String, String)] {
        let c = configuration
        var rows: [(String, String)] = [
            ("data set", "\(c.dataset) (\(trainLoader.sampleCount) training, \(testSet.count) test images)"),
            ("model", "\(c.model), \(model.parameterCount) parameters"),
            ("optimizer", "\(c.optimizer), batch \(c.batchSize) (\(c.accumulationSteps) x \(c.microBatchSize)), weight decay \(c.weightDecay)"),
            ("schedule", "\(schedule)"),
            ("kernels", "\(context.backend.name)\(c.backend == "openblas" ? " (\(BLASRuntime.threads) OpenBLAS thread(s))" : ""), \(c.threads) threads, \(c.resolvedReplicas) replica(s), \(group.size) process(es)\(c.syncBatchNorm && group.size > 1 ? ", synchronised BatchNorm" : "")"),
            ("seed", "\(c.seed)"),
        ]
        if let last = history.last, let acc = last.testAccuracy {
            rows.append(("final test accuracy", format(acc * 100, 2) + " % after epoch \(last.epoch)"))
        }
        return rows
    }

    /// Trains one epoch and evaluates when due.
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
            try allReduceGradients()
            let rate = schedule.value(at: optimizer.stepCount)
            let report = try optimizer.step(learningRate: rate, context: training)
            lastRate = rate
            // Loss and accuracy of the global batch, summed over ranks.
            var sums = [stepLoss, stepCount]
            try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
            lossSum += sums[0]
            seen += sums[1]
            let globalLoss = sums[0] / max(sums[1], 1)
            if isRoot {
                stepLog?.append(["\(report.step)", "\(epoch + 1)", "\(rate)", format(globalLoss, 5)])
                for record in report.parameters where trustRatioGroups.contains(record.group) {
                    trustLog?.append([
                        "\(report.step)", record.name, "\(record.weightNorm)", "\(record.gradientNorm)",
                        "\(record.trustRatio)", "\(record.effectiveLearningRate)",
                    ])
                }
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
        var metrics = EpochMetrics(
            epoch: completedEpochs, step: optimizer.stepCount, trainLoss: lossSum / max(seen, 1),
            trainAccuracy: counts[0] / max(seen, 1), testLoss: nil, testAccuracy: nil, learningRate: lastRate,
            seconds: seconds, imagesPerSecond: seen / max(seconds, 1e-9))
        if completedEpochs % c.evalEvery == 0 || completedEpochs == c.epochs {
            let (loss, accuracy) = try evaluate()
            metrics.testLoss = loss
            metrics.testAccuracy = accuracy
        }
        history.append(metrics)
        if isRoot && printsProgress {
            print(summaryLine(metrics))
            fflush(nil)  // a log file or pipe sees each epoch as it ends, not at exit
        }
        return metrics
    }

    /// One line per epoch: train and test loss and accuracy, learning rate, time.
    public func summaryLine(_ m: EpochMetrics) -> String {
        var line = "epoch \(m.epoch)/\(configuration.epochs)  train loss \(format(m.trainLoss, 4)) acc \(format(m.trainAccuracy * 100, 2))%"
        if let l = m.testLoss, let a = m.testAccuracy {
            line += "  test loss \(format(l, 4)) acc \(format(a * 100, 2))%"
        }
        line += "  lr \(format(Double(m.learningRate), 4))  \(format(m.seconds, 1)) s  \(format(m.imagesPerSecond, 0)) img/s"
        return line
    }

    /// Sums every parameter's gradient over the ranks with one all-reduce on one flat buffer.
    func allReduceGradients() throws {
        guard group.size > 1 else { return }
        let total = parameters.reduce(0) { $0 + $1.parameter.grad.count }
        if flatGradients.count != total { flatGradients = [Float](repeating: 0, count: total) }
        var offset = 0
        flatGradients.withUnsafeMutableBufferPointer { f in
            for p in parameters {
                p.parameter.grad.withUnsafeBufferPointer { g in
                    (f.baseAddress! + offset).update(from: g.baseAddress!, count: g.count)
                    offset += g.count
                }
            }
        }
        try flatGradients.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        offset = 0
        flatGradients.withUnsafeBufferPointer { f in
            for p in parameters {
                p.parameter.grad.withUnsafeMutableBufferPointer { g in
                    g.baseAddress!.update(from: f.baseAddress! + offset, count: g.count)
                    offset += g.count
                }
            }
        }
    }

    /// Mean loss and top-1 accuracy on the test set (evaluation mode, running BatchNorm
    /// statistics), reduced over all ranks.
    public func evaluate() throws -> (loss: Double, accuracy: Double) {
        let loader = BatchLoader(
            dataset: testSet,
            options: BatchOptions.evaluation(
                batchSize: max(configuration.evalBatchSize, group.size), normalization: normalization,
                rank: group.rank, worldSize: group.size, threads: 1).with(limit: configuration.testLimit))
        let evaluation = context.evaluating
        var sums = [0.0, 0.0, 0.0]  // loss * n, correct, n
        for batch in loader.epoch(0) where batch.count > 0 {
            let logits = network.forward(batch.images, context: evaluation)
            let (loss, _) = softmaxCrossEntropy(logits: logits, labels: batch.labels)
            sums[0] += Double(loss) * Double(batch.count)
            sums[1] += Double(correctCount(logits: logits, labels: batch.labels))
            sums[2] += Double(batch.count)
        }
        try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        return (sums[0] / max(sums[2], 1), sums[1] / max(sums[2], 1))
    }
}

extension BatchOptions {
    /// The same options with another subset limit.
    func with(limit: Int?) -> BatchOptions {
        var copy = self
        copy.limit = limit
        return copy
    }
}

/// Monotonic wall-clock seconds, for timing epochs and runs.
public func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
