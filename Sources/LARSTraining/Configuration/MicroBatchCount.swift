extension TrainingPlan {
    /// The micro-batch count of `c` (validated) on `processes` processes: see
    /// `init(resolving:processes:resuming:)`.
    static func microBatchCount(_ c: TrainingConfiguration, processes: Int) throws -> Int {
        // An explicit count without a limit sets no default limit.
        let limit = c.microBatchLimit ?? (c.microBatches > 1 ? Int.max : defaultMicroBatchLimit(model: c.model))
        // Two passes at least when asked to, so that a one-pass step still has a small batch.
        let minimum = (c.noiseScaleSplit ?? false) && processes == 1 ? 2 : 1
        var count = max(c.microBatches, minimum)
        while count <= c.batchSize {
            let size = c.batchSize / count
            if c.batchSize % count == 0 && size % processes == 0 && size / processes <= limit {
                // The default limit must not turn an awkward batch (2 x 523) into hundreds of
                // tiny passes: that is slow and leaves BatchNorm nothing to normalise over.
                if count > minimum && c.microBatchLimit == nil && c.microBatches == 1 && size / processes < limit / 8 {
                    throw TrainingError.invalidConfiguration(
                        "batch \(c.batchSize) would be cut into \(count) micro-batches of only \(size / processes) images per process; "
                            + "choose a batch size with more factors of two or set --micro-batch")
                }
                guard count == 1 || c.dropLast else {
                    throw TrainingError.invalidConfiguration(
                        "keeping the last, smaller batch of an epoch needs one pass per step, but batch \(c.batchSize) takes \(count) micro-batches; drop --keep-last or raise --micro-batch")
                }
                return count
            }
            count += 1
        }
        let limitText = limit == Int.max ? "" : " of at most \(limit) images per process"
        throw TrainingError.invalidConfiguration(
            "batch \(c.batchSize) cannot be cut into equal micro-batches\(limitText) split evenly over \(processes) process(es)"
                + (c.microBatches > 1 ? " with at least \(c.microBatches) accumulation steps" : "")
                + "; choose a batch size divisible by the process count and a power of two, or set --micro-batch")
    }
}
