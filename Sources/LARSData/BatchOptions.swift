/// How `BatchLoader` cuts a data set into batches.
public struct BatchOptions: Sendable, Equatable {
    /// Images per GLOBAL batch, summed over all ranks of a data-parallel run.
    public var batchSize: Int
    /// Whether to visit the images in a fresh random order each epoch (training) or in file
    /// order (evaluation).
    public var shuffle: Bool
    /// The run seed; the order and augmentation of epoch `e` depend only on it and `e`.
    public var seed: UInt64
    /// Whether to drop the last batch of an epoch when it is smaller than `batchSize`.
    public var dropLast: Bool
    /// Random crop and flip; `.none` for evaluation.
    public var augmentation: Augmentation
    /// Per-channel statistics to normalise with; `nil` only scales bytes to `[0, 1]`.
    public var normalization: Normalization?
    /// Use only the first `limit` images of the data set (quick runs); `nil` for all.
    public var limit: Int?
    /// This process's rank in a data-parallel group, `0..<worldSize`.
    public var rank: Int
    /// The number of processes sharing each global batch.
    public var worldSize: Int
    /// Whether to assemble the next batch on a background thread while the caller trains on
    /// the current one. The batches are identical either way.
    public var prefetch: Bool
    /// Threads used to assemble one batch (on top of the prefetching thread).
    public var threads: Int

    /// Options for batches of `batchSize`; the defaults suit training on one process.
    public init(
        batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, dropLast: Bool = false,
        augmentation: Augmentation = .none, normalization: Normalization? = nil, limit: Int? = nil,
        rank: Int = 0, worldSize: Int = 1, prefetch: Bool = true, threads: Int = 1
    ) {
        userPrecondition(batchSize > 0, "BatchOptions: batchSize must be positive, got \(batchSize)")
        userPrecondition(worldSize > 0 && rank >= 0 && rank < worldSize, "BatchOptions: rank \(rank) outside 0..<\(worldSize)")
        userPrecondition(limit == nil || limit! >= 0, "BatchOptions: negative limit \(limit!)")
        userPrecondition(threads > 0, "BatchOptions: threads must be positive, got \(threads)")
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.dropLast = dropLast
        self.augmentation = augmentation
        self.normalization = normalization
        self.limit = limit
        self.rank = rank
        self.worldSize = worldSize
        self.prefetch = prefetch
        self.threads = threads
    }

    /// Evaluation batches: file order, no augmentation, the last partial batch kept.
    public static func evaluation(
        batchSize: Int, normalization: Normalization?, rank: Int = 0, worldSize: Int = 1, threads: Int = 1
    ) -> BatchOptions {
        BatchOptions(
            batchSize: batchSize, shuffle: false, dropLast: false, augmentation: .none, normalization: normalization,
            rank: rank, worldSize: worldSize, threads: threads)
    }
}

/// One batch as a rank sees it: its shard of a global batch, normalised and augmented.
public struct Batch: Sendable {
    /// `[b, channels, height, width]` normalised pixels, `b` this rank's share of the batch.
    public var images: Tensor
    /// `b` class labels.
    public var labels: [Int]
    /// The dataset index of each image.
    public var indices: [Int]
    /// The epoch this batch belongs to.
    public var epoch: Int
    /// The batch's position in the epoch, `0..<batchesPerEpoch`.
    public var index: Int
    /// Images in the whole global batch over all ranks (divide summed gradients by this).
    public var globalCount: Int

    /// The number of images on this rank (may be 0 when a last small batch is spread over
    /// more ranks than it has images).
    public var count: Int { labels.count }
}
