/// Everything that defines a training run, as asked for: data, model, optimizer and its
/// variants, schedule, batch sizes, seed and where to write. `lars-train` fills it from its
/// flags; the trainer saves it in every checkpoint and compares it on resume. What a run makes
/// of it on its processes and data (micro-batch count, engine, threads per replica, the scaled
/// rate, the data's name and augmentation) is its `TrainingPlan`, resolved once and never
/// written back here.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    // Data
    /// The data set: one the loaders know (`DatasetKind`), or any name for a caller's own data.
    /// `nil`: a `Trainer` names it after its training data (`ImageDataset.name` up to the first
    /// `/`), and records that name in its plan (`TrainingPlan.dataName`), report and checkpoints.
    public var dataset: DatasetName?
    /// Directory holding the data set files; `nil` for the data set's standard location.
    public var dataDirectory: String?
    /// Use only the first N training images (quick runs).
    public var trainLimit: Int?
    /// Use only the first N test images.
    public var testLimit: Int?
    /// Random crop with zero padding. `nil`: the data kind's standard (see
    /// `augmentation(forDataset:)`): on for the CIFAR and 28x28 sets, off for anything else.
    public var randomCrop: Bool?
    /// Padding of the random crop in pixels (0: no crop); `nil` for the data set's standard value.
    public var cropPadding: Int?
    /// Random horizontal flip. `nil`: the data kind's standard (see `augmentation(forDataset:)`):
    /// on for CIFAR and Fashion-MNIST, off for MNIST digits and a caller's own data.
    public var horizontalFlip: Bool?
    /// Drop the last, smaller batch of each epoch.
    public var dropLast: Bool = true

    // Model
    /// A built-in model (`ModelKind`), or any name for a model the caller builds
    /// (`Trainer(configuration:model:...)`), which then only names it in logs and checkpoints.
    public var model: ModelName = .builtIn(.smallCNN)

    // Optimizer
    /// The optimizer.
    public var optimizer: OptimizerKind = .lars
    /// Base learning rate (gamma_0), before linear scaling (`TrainingPlan.peakLearningRate`).
    public var learningRate = Float(RecipeDefaults.learningRate(.lars))
    /// Apply the linear scaling rule `lr = learningRate * batch / 256`.
    public var scaleLearningRate: Bool = false
    /// Momentum (LARS, SGD) or beta1 (LAMB, AdamW).
    public var momentum: Float = 0.9
    /// Adam beta2 (LAMB, AdamW).
    public var beta2: Float = 0.999
    /// Weight decay beta of the adapted (weight) group.
    public var weightDecay = Float(RecipeDefaults.weightDecay(.lars))
    /// LARS trust coefficient eta (`RecipeDefaults.trustCoefficient`).
    public var trustCoefficient = RecipeDefaults.trustCoefficient
    /// Epsilon of the LARS trust ratio denominator, or Adam's epsilon.
    public var epsilon: Float?
    /// LARS denominator: `paper` (||g|| + beta ||w||) or `update-norm` (||g + beta w||).
    public var larsDenominator: LARS.Denominator = .paper
    /// Nesterov momentum.
    public var nesterov: Bool = false
    /// `inside` (paper, TF, optax) or `after` (PyTorch, timm, apex) the momentum buffer.
    public var momentumPlacement: MomentumPlacement = .insideMomentum
    /// LARC clipping: effective rate `min(lambda, gamma)`.
    public var larcClip: Bool = false
    /// What non-finite gradients do: stop the run, skip the step, or go unchecked.
    public var nonFinite: NonFiniteGradientPolicy = .throwError
    /// Exclude biases and normalisation parameters from adaptation and decay (by kind).
    public var excludeBiasAndNorm: Bool = true

    // Schedule
    /// The decay after warm-up; warm-up goes in front of any.
    public var schedule: ScheduleKind = .poly
    /// Linear warm-up length in epochs (may be fractional).
    public var warmupEpochs = RecipeDefaults.warmupEpochs
    /// Power of the polynomial decay.
    public var polyPower: Float = 2
    /// Final learning rate of poly and cosine decay.
    public var minLearningRate: Float = 0
    /// Epochs between decays (`step`), or the milestones in epochs (`multistep`).
    public var decayEpochs: [Double] = [30]
    /// Factor applied at each decay (`step`, `multistep`).
    public var decayRate: Float = 0.1

    // Loop
    /// Images per optimizer step (over all micro-batches and ranks).
    public var batchSize = RecipeDefaults.batchSize
    /// The fewest micro-batches a step is cut into (Caffe's `iter_size`, `--grad-accum-steps`);
    /// 1 lets `microBatchLimit` decide. The count a run uses is `TrainingPlan.microBatches`.
    public var microBatches: Int = 1
    /// The most images one forward/backward pass runs on one process (shared among its
    /// replicas, `--micro-batch`); a larger step is cut into micro-batches whose gradients are
    /// summed before the optimizer step. `nil`: `TrainingPlan.defaultMicroBatchLimit(model:)`
    /// unless `microBatches` is set explicitly.
    /// BatchNorm normalises each micro-batch on its own, as Caffe's `iter_size` and multi-GPU
    /// training do (with `syncBatchNorm` under MPI: the micro-batch summed over the processes).
    public var microBatchLimit: Int?
    /// Images held out of the end of the training set as a validation split: never trained on,
    /// evaluated beside the test set (for choosing rates without looking at the test set).
    public var validationCount: Int = 0
    /// A step whose mean loss exceeds this many times `ln(classes)`, or is not finite, stops
    /// the run as diverged; 0 switches the size check off (a non-finite loss, and a non-finite
    /// gradient under the `error` policy, still stop it).
    public var divergenceFactor: Double = 4
    /// Cut a step that would be one pass on one process into two micro-batches, so that the
    /// gradient noise scale (`GradientNoiseScale`) is measured; `nil`: no. BatchNorm then
    /// normalises each half on its own, which changes the trajectory. Optional so that older
    /// checkpoints still load.
    public var noiseScaleSplit: Bool?
    /// ResNets only: start each residual block's last BatchNorm scale at 0, so every block begins
    /// as its shortcut and a deep ResNet's first loss is near ln(classes) (Goyal et al. 2017);
    /// `nil`: yes (`zeroInitsResidual`). Optional so that older checkpoints still load; it only
    /// changes the initial weights, which a resumed run replaces.
    public var zeroInitResidual: Bool?
    /// Epochs to train.
    public var epochs = RecipeDefaults.epochs
    /// Label smoothing of the cross-entropy.
    public var labelSmoothing: Float = 0
    /// Seed of initialisation, shuffling and augmentation.
    public var seed: UInt64 = 42
    /// Synchronised BatchNorm: under MPI, normalise with the statistics of the global
    /// micro-batch (summed over the ranks) instead of each rank's shard. No effect in one process.
    public var syncBatchNorm: Bool = false
    /// Threads of this process: shared out among the replicas, whose kernels (OpenBLAS and the
    /// Swift-side loops) get `threadsPerReplica` each.
    public var threads: Int = 2
    /// Replicas of the model trained side by side on this process's threads, each on a share of
    /// every micro-batch (`DataParallel`); `nil`: one per thread. With one replica, the kernels
    /// themselves spread over the threads instead.
    public var replicas: Int? = nil
    /// The kernel backend of `gemm` and the vector kernels.
    public var backend: BackendKind = .openblas
    /// The library that runs convolutions; `nil`: the build's default (oneDNN when compiled in).
    /// Optional so that checkpoints written before the setting existed still load.
    public var convolutionEngine: ConvolutionEngine?
    /// Whether BatchNorm and pooling run on oneDNN too, with activations kept in oneDNN's
    /// channel-blocked layout between layers (`ExecutionContext.oneDNNNormalizationAndPooling`),
    /// when the convolutions do; `nil`: yes. Optional so that older checkpoints still load.
    public var oneDNNNormalizationAndPooling: Bool?
    /// Evaluate the validation split every N optimizer steps (0: only at epoch ends); `nil`:
    /// about eight times an epoch (`validationInterval(stepsPerEpoch:)`). Optional so that older
    /// checkpoints still load.
    public var evalEverySteps: Int?
    /// Validation accuracies in (0, 1] whose first step is recorded (`targets.csv`); `nil`: 90 %
    /// and 92 % (`TargetReached.defaultTargets`).
    public var targets: [Double]?
    /// Stop the run once validation accuracy has reached every target; `nil`: no.
    public var stopAtTarget: Bool?
    /// Evaluate on the test set every N epochs (and always after the last).
    public var evalEvery: Int = 1
    /// Images per evaluation batch.
    public var evalBatchSize: Int = 1000

    // Output
    /// Directory for logs, report and checkpoint.
    public var outputDirectory: String = "runs/latest"
    /// Whether the run writes TensorBoard event files beside its CSV logs
    /// (`events.out.tfevents.*`, `TrainerTensorBoard.swift`); `nil`: yes. Optional so that
    /// checkpoints written before the setting existed still load.
    public var tensorBoard: Bool?

    /// The default run: small CNN, LARS at batch 512 with one epoch of warm-up and power-2
    /// polynomial decay, 8 epochs, on the data the `Trainer` is given (named after it), with that
    /// data kind's standard augmentation: none for a caller's own data (`lars-train` also
    /// switches the random crop off for the 28x28 data sets).
    public init() {}

    /// `zeroInitResidual`, resolved: on unless set off.
    public var zeroInitsResidual: Bool { zeroInitResidual ?? true }

    /// `tensorBoard`, resolved: on unless set off.
    public var writesTensorBoard: Bool { tensorBoard ?? true }

    /// The stored names: those of the checkpoints written so far (`accumulationSteps` and
    /// `microBatch` for the two micro-batch fields). A new field needs its case here, or it is
    /// not saved (`ConfigurationCodingTests` checks that every field is).
    enum CodingKeys: String, CodingKey {
        case dataset, dataDirectory, trainLimit, testLimit, randomCrop, cropPadding, horizontalFlip, dropLast, model
        case optimizer, learningRate, scaleLearningRate, momentum, beta2, weightDecay, trustCoefficient, epsilon
        case larsDenominator, nesterov, momentumPlacement, larcClip, nonFinite, excludeBiasAndNorm
        case schedule, warmupEpochs, polyPower, minLearningRate, decayEpochs, decayRate, batchSize
        case microBatches = "accumulationSteps", microBatchLimit = "microBatch"
        case validationCount, divergenceFactor, epochs, labelSmoothing, seed, syncBatchNorm, threads, replicas
        case backend, convolutionEngine, oneDNNNormalizationAndPooling, evalEvery, evalBatchSize, outputDirectory
        case tensorBoard, noiseScaleSplit, evalEverySteps, targets, stopAtTarget, zeroInitResidual
    }

    /// The fields that must agree between a checkpoint and the run that resumes it: everything
    /// that changes the trajectory (not the output directory, threads, replicas or evaluation
    /// cadence; threads, replicas, the convolution engine and whether BatchNorm and pooling run on
    /// oneDNN change only the order of floating-point sums, so a checkpoint written with one
    /// engine resumes on the other; the micro-batch request is compared through the plans,
    /// `TrainingPlan.trajectoryDifferences(from:)`).
    public var trajectoryFingerprint: TrainingConfiguration {
        var copy = self
        copy.outputDirectory = ""
        copy.tensorBoard = nil  // logging, not the trajectory
        copy.zeroInitResidual = nil  // initial weights only, which a resumed run replaces
        // The same directory spelled another way is the same data (the data's fingerprint in
        // the checkpoint catches different content behind the same path).
        copy.dataDirectory = dataDirectory.map(resolvedPath)
        // The augmentation as it acts: a crop of padding 0 is none (checkpoints written before
        // the Trainer resolved the augmentation say `randomCrop` true there).
        let augmentation = augmentation(forDataset: dataset?.rawValue ?? "")
        (copy.randomCrop, copy.horizontalFlip, copy.cropPadding) = (augmentation.randomCrop, augmentation.horizontalFlip, augmentation.padding)
        copy.evalEvery = 1
        copy.evalEverySteps = nil
        copy.targets = nil
        copy.stopAtTarget = nil
        copy.evalBatchSize = 0
        copy.testLimit = nil
        copy.threads = 0
        copy.replicas = nil
        copy.convolutionEngine = nil
        copy.oneDNNNormalizationAndPooling = nil
        // The plans' micro-batch counts carry the split (the request may resolve to the saved
        // count on another process count); neither does when a run is called diverged.
        copy.microBatches = 1
        copy.microBatchLimit = nil
        copy.noiseScaleSplit = nil
        copy.divergenceFactor = 0
        return copy
    }
}
