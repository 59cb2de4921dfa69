/// How a step's batch is cut into micro-batches: one forward/backward pass per micro-batch,
/// gradients summed over them before the single optimizer step (Caffe's `iter_size`, which the
/// LARS paper used for its 16K and 32K batches).
///
/// The batch size stays what the optimizer sees; the micro-batch only bounds memory and keeps
/// each pass at the size the kernels run fastest at: a batch of thousands of images in one pass
/// needs gigabytes and runs slower per image (docs/performance.md).
extension TrainingConfiguration {
    /// The default most images one pass runs on one process, by model, from the micro-batch
    /// sweep of `lars-bench --filter microbatch` with two replicas (docs/performance.md): for the
    /// small CNN 256 per replica (512 per process) was fastest, bigger passes losing to cache
    /// traffic; for ResNet-20, 64 to 256 per replica ran about equally fast, and 128 (256 per
    /// process) keeps its activations, ten times the small CNN's per image, near the small
    /// CNN's. The limit is per process, not per replica, so that the thread count never changes
    /// the trajectory and a run resumes on another core count.
    public static func defaultMicroBatch(model: String) -> Int {
        switch model {
        case "small-cnn", "mlp": return 512
        default: return 256  // the ResNets, and a caller's own model
        }
    }

    /// The micro-batch limit in force: `microBatch`, or the model's default, or none when
    /// `accumulationSteps` was chosen explicitly without a limit.
    public var effectiveMicroBatchLimit: Int? {
        if let microBatch { return microBatch }
        if accumulationSteps > 1 { return nil }
        return Self.defaultMicroBatch(model: model)
    }

    /// The configuration with `accumulationSteps` resolved for `processes` processes: the
    /// smallest count, at least the one given, that divides the batch into equal global
    /// micro-batches which split evenly over the processes and put at most
    /// `effectiveMicroBatchLimit` images on each process. Resolving twice changes nothing.
    ///
    /// Throws when no such count exists (for example a prime batch size over two processes).
    public func resolvingMicroBatches(processes: Int) throws -> TrainingConfiguration {
        try validate()
        guard processes > 0 else { throw TrainingError.invalidConfiguration("process count must be positive, got \(processes)") }
        let limit = effectiveMicroBatchLimit ?? Int.max
        // Two passes at least when asked to, so that a one-pass step still has a small batch.
        let minimum = (noiseScaleSplit ?? false) && processes == 1 ? 2 : 1
        var steps = max(accumulationSteps, minimum)
        while steps <= batchSize {
            let micro = batchSize / steps
            if batchSize % steps == 0 && micro % processes == 0 && micro / processes <= limit {
                // The default limit must not turn an awkward batch (2 x 523) into hundreds of
                // tiny passes: that is slow and leaves BatchNorm nothing to normalise over.
                if steps > minimum && microBatch == nil && accumulationSteps == 1 && micro / processes < limit / 8 {
                    throw TrainingError.invalidConfiguration(
                        "batch \(batchSize) would be cut into \(steps) micro-batches of only \(micro / processes) images per process; "
                            + "choose a batch size with more factors of two or set --micro-batch")
                }
                guard steps == 1 || dropLast else {
                    throw TrainingError.invalidConfiguration(
                        "keeping the last, smaller batch of an epoch needs one pass per step, but batch \(batchSize) takes \(steps) micro-batches; drop --keep-last or raise --micro-batch")
                }
                var copy = self
                copy.accumulationSteps = steps
                return copy
            }
            steps += 1
        }
        let limitText = limit == Int.max ? "" : " of at most \(limit) images per process"
        throw TrainingError.invalidConfiguration(
            "batch \(batchSize) cannot be cut into equal micro-batches\(limitText) split evenly over \(processes) process(es)"
                + (accumulationSteps > 1 ? " with at least \(accumulationSteps) accumulation steps" : "")
                + "; choose a batch size divisible by the process count and a power of two, or set --micro-batch")
    }
}
