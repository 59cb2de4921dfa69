/// What a run resolved from its `TrainingConfiguration` on its processes: how each step is cut
/// into micro-batches, the replicas and their threads, the convolution engine and the peak rate
/// after the linear scaling rule. Resolved once (`init(resolving:processes:resuming:)`), printed
/// in the run header, stored in every checkpoint beside the configuration, and compared on
/// resume; the configuration keeps what the user asked for. The `Trainer` adds what it resolves
/// from the data: its name and augmentation.
///
/// A step's micro-batches each run one forward/backward pass, their gradients summed before the
/// single optimizer step (Caffe's `iter_size`, which the LARS paper used for its 16K and 32K
/// batches). The batch size stays what the optimizer sees; the micro-batch only bounds memory
/// and keeps each pass at the size the kernels run fastest at: a batch of thousands of images in
/// one pass needs gigabytes and runs slower per image (docs/performance.md).
public struct TrainingPlan: Codable, Sendable, Equatable {
    /// Processes training together (MPI ranks; 1 without MPI).
    public var processes: Int
    /// Micro-batches per optimizer step (forward/backward passes whose gradients are summed).
    public var microBatches: Int
    /// Images per micro-batch over all processes: `batchSize / microBatches`.
    public var microBatchSize: Int
    /// Model replicas per process (`DataParallel`), each on a share of every micro-batch.
    public var replicas: Int
    /// Threads of each replica's kernels (OpenBLAS and the Swift-side loops).
    public var threadsPerReplica: Int
    /// The library that runs convolutions.
    public var convolutionEngine: ConvolutionEngine
    /// Whether BatchNorm and pooling run on oneDNN too (`ExecutionContext.oneDNNNormalizationAndPooling`).
    public var oneDNNNormalizationAndPooling: Bool
    /// The learning rate at the top of the schedule, after the linear scaling rule.
    public var peakLearningRate: Float
    /// The data's name: `TrainingConfiguration.dataset`, or the training set's name when that
    /// is `nil` (`resolvingData(_:for:)`, which the `Trainer` applies). `nil` in a plan
    /// resolved before the data was read.
    public var dataName: DatasetName?
    /// The augmentation the run trains with, resolved with `dataName`; `nil` as it is.
    public var augmentation: Augmentation?

    /// Images per micro-batch on one process (shared among its replicas).
    public var microBatchSizePerProcess: Int { microBatchSize / processes }

    /// The plan of `configuration` on `processes` processes. The micro-batch count is the
    /// smallest, at least `configuration.microBatches`, that divides the batch into equal global
    /// micro-batches which split evenly over the processes and put at most the micro-batch limit
    /// (`microBatchLimit`, or the model's default) on each process. A run that resumes
    /// `resuming` (a checkpoint's plan) keeps its count when the configuration asks for none,
    /// even on another number of processes (which could resolve the default limit differently).
    ///
    /// Throws when the configuration is invalid or no such count exists (for example a prime
    /// batch size over two processes).
    public init(resolving configuration: TrainingConfiguration, processes: Int, resuming saved: TrainingPlan? = nil) throws {
        var c = configuration
        if let saved, c.microBatchLimit == nil, c.microBatches == 1 { c.microBatches = saved.microBatches }
        try c.validate()
        guard processes > 0 else { throw TrainingError.invalidConfiguration("process count must be positive, got \(processes)") }
        self.init(c, processes: processes, microBatches: try Self.microBatchCount(c, processes: processes))
    }

    /// The plan of `c` with its step cut into `microBatches`.
    private init(_ c: TrainingConfiguration, processes: Int, microBatches: Int) {
        self.processes = processes
        self.microBatches = microBatches
        microBatchSize = c.batchSize / microBatches
        replicas = c.replicas ?? c.threads
        threadsPerReplica = max(1, c.threads / max(1, replicas))
        convolutionEngine = c.convolutionEngine ?? .default
        oneDNNNormalizationAndPooling = c.oneDNNNormalizationAndPooling ?? true
        peakLearningRate = Self.peakLearningRate(c)
    }

    /// The plan a checkpoint written before plans were stored implies: its configuration held
    /// the resolved micro-batch count in `microBatches`, and its process count was not recorded.
    init(recordedIn c: TrainingConfiguration) {
        self.init(c, processes: 1, microBatches: max(1, c.microBatches))
    }

    /// The rate at the top of `c`'s schedule: `learningRate`, times `batchSize / 256` under the
    /// linear scaling rule.
    static func peakLearningRate(_ c: TrainingConfiguration) -> Float {
        c.scaleLearningRate ? c.learningRate * Float(c.batchSize) / 256 : c.learningRate
    }

    /// The default most images one pass runs on one process, by model, from the micro-batch
    /// sweep of `lars-bench --filter microbatch` with two replicas (docs/performance.md): for the
    /// small CNN 256 per replica (512 per process) was fastest, bigger passes losing to cache
    /// traffic; for ResNet-20, 64 to 256 per replica ran about equally fast, and 128 (256 per
    /// process) keeps its activations, ten times the small CNN's per image, near the small
    /// CNN's. The limit is per process, not per replica, so that the thread count never changes
    /// the trajectory and a run resumes on another core count.
    public static func defaultMicroBatchLimit(model: ModelName) -> Int {
        switch model {
        case .builtIn(.smallCNN), .builtIn(.mlp): return 512
        default: return 256  // the ResNets, and a caller's own model
        }
    }

    /// Where this plan differs from a checkpoint's in what changes the trajectory: the
    /// micro-batch split (threads, replicas and the engine change only the order of sums).
    public func trajectoryDifferences(from saved: TrainingPlan) -> [String] {
        saved.microBatches == microBatches && saved.microBatchSize == microBatchSize
            ? []
            : ["micro-batches per step was \(saved.microBatches) x \(saved.microBatchSize) images, now \(microBatches) x \(microBatchSize)"]
    }

    /// The engine line of the run header and the report: the engine, its library and, on
    /// oneDNN, which layers run there.
    public var convolutionsDescription: String {
        var text = "\(convolutionEngine) (\(convolutionEngine.libraryDescription))"
        if convolutionEngine == .onednn {
            text += oneDNNNormalizationAndPooling
                ? "; activations stay in its blocked layout through BatchNorm and pooling"
                : "; convolutions only, NCHW between layers"
        }
        return text
    }

    /// The micro-batch line of the run header, `nil` for one pass per step.
    public var microBatchesDescription: String? {
        microBatches > 1
            ? "\(microBatches) x \(microBatchSize) images per step (\(microBatchSizePerProcess) per process); BatchNorm normalises each on its own"
            : nil
    }
}
