import Dispatch

/// Cuts an `ImageDataset` into shuffled, augmented, normalised batches of `Float` tensors.
///
/// Everything is a pure function of (options, epoch, batch index): the order of epoch `e` comes
/// from a generator seeded with (seed, e) alone, and each image's crop and flip from
/// (seed, e, dataset index). A resumed run therefore sees exactly the batches the uninterrupted
/// run would have seen, and prefetching or sharding cannot change them.
///
/// Data parallelism: `batchSize` is the global batch size. Global batch `k` covers positions
/// `k*batchSize ..< (k+1)*batchSize` of the epoch order (the same for every world size), and
/// rank `r` of `W` takes the contiguous slice `[n*r/W, n*(r+1)/W)` of its `n` images.
public struct BatchLoader: Sendable {
    /// The data set being batched (all of it; `sampleCount` honours `limit`).
    public let dataset: ImageDataset
    /// How batches are cut.
    public let options: BatchOptions
    private let table: [Float]
    /// Per channel, the mean then the deviation, for a data set of `Float` pixels.
    private let floatScale: [Float]

    /// Prepares batching of `dataset`. The normalisation, if any, must have one entry per channel.
    public init(dataset: ImageDataset, options: BatchOptions) {
        let normalization = options.normalization ?? .unitScale(channels: dataset.channels)
        userPrecondition(
            normalization.channels == dataset.channels,
            "BatchLoader: normalization has \(normalization.channels) channels, \(dataset.name) has \(dataset.channels)")
        self.dataset = dataset
        self.options = options
        self.table = dataset.holdsFloats ? [] : normalization.lookupTable
        self.floatScale = normalization.mean + normalization.standardDeviation
    }

    /// The images visited per epoch: the data set size, or `limit` if smaller.
    public var sampleCount: Int { min(options.limit ?? dataset.count, dataset.count) }

    /// Global batches per epoch: `sampleCount / batchSize`, rounded up unless `dropLast`.
    public var batchesPerEpoch: Int {
        let n = sampleCount, b = options.batchSize
        return options.dropLast ? n / b : (n + b - 1) / b
    }

    /// The images all ranks together see in one epoch (fewer than `sampleCount` with `dropLast`).
    public var samplesPerEpoch: Int {
        options.dropLast ? batchesPerEpoch * options.batchSize : sampleCount
    }

    /// The dataset indices `0..<sampleCount` in the order epoch `epoch` visits them: a
    /// Fisher-Yates shuffle seeded from (seed, epoch), or file order when not shuffling.
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<sampleCount)
        guard options.shuffle, order.count > 1 else { return order }
        var generator = SeededGenerator(seed: SeedMixing.seed(options.seed, stream: .shuffle, epoch: epoch))
        order.withUnsafeMutableBufferPointer { buffer in
            for i in stride(from: buffer.count - 1, to: 0, by: -1) {
                buffer.swapAt(i, SeedMixing.below(i + 1, &generator))
            }
        }
        return order
    }

    /// Positions (into `order(epoch:)`) of global batch `index`.
    public func globalRange(batch index: Int) -> Range<Int> {
        userPrecondition(index >= 0 && index < batchesPerEpoch, "BatchLoader: batch \(index) outside 0..<\(batchesPerEpoch)")
        let start = index * options.batchSize
        return start..<min(start + options.batchSize, sampleCount)
    }

    /// This rank's contiguous share of the global positions `global`.
    public func shard(of global: Range<Int>) -> Range<Int> {
        let n = global.count, r = options.rank, w = options.worldSize
        return (global.lowerBound + n * r / w)..<(global.lowerBound + n * (r + 1) / w)
    }

    /// Batch `index` of `epoch`, as this rank sees it. Computes the epoch order, so prefer
    /// iterating `epoch(_:)` for whole epochs.
    /// - Parameters:
    ///   - epoch: the epoch, from 0; it seeds the shuffle and the augmentation.
    ///   - index: the batch within the epoch, in `0..<batchesPerEpoch`.
    /// - Returns: the batch's normalised images `[n, C, H, W]` and their labels.
    public func batch(epoch: Int, index: Int) -> Batch {
        makeBatch(epoch: epoch, index: index, order: order(epoch: epoch))
    }

    /// The batches of `epoch` from batch `start` on (use `start > 0` to resume mid-epoch). With
    /// `options.prefetch` the next batch is assembled on a background thread while the caller
    /// works on the current one.
    public func epoch(_ epoch: Int, startingAt start: Int = 0) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, start: start)
    }

    /// Assembles batch `index` of `epoch` given that epoch's order.
    func makeBatch(epoch: Int, index: Int, order: [Int]) -> Batch {
        let global = globalRange(batch: index)
        let positions = shard(of: global)
        let indices = Array(order[positions])
        let channels = dataset.channels, height = dataset.height, width = dataset.width
        let imageSize = dataset.imageSize
        let labels = indices.map { dataset.labels[$0] }
        let augmentation = options.augmentation, seed = options.seed
        let transforms = indices.map { augmentation.transform(seed: seed, epoch: epoch, index: $0) }
        let padding = options.augmentation.padding
        var scalars = [Float](repeating: 0, count: indices.count * imageSize)
        if let floats = dataset.floatImages {
            FloatSampleRenderer.renderBatch(
                floats, indices: indices, channels: channels, height: height, width: width, padding: padding,
                transforms: transforms, scale: floatScale, threads: options.threads, into: &scalars)
            return Batch(
                images: Tensor(shape: [indices.count, channels, height, width], scalars: scalars), labels: labels,
                indices: indices, epoch: epoch, index: index, globalCount: global.count)
        }
        scalars.withUnsafeMutableBufferPointer { out in
            dataset.images.withUnsafeBufferPointer { pixels in
                table.withUnsafeBufferPointer { lut in
                    guard let outBase = out.baseAddress, let pixelBase = pixels.baseAddress, let lutBase = lut.baseAddress else { return }
                    let output = SendablePointer(outBase)
                    let source = SendableConstPointer(pixelBase)
                    let lookup = SendableConstPointer(lutBase)
                    Parallel.forEach(indices.count, threads: options.threads) { slot in
                        SampleRenderer.render(
                            source: source.base + indices[slot] * imageSize, channels: channels, height: height,
                            width: width, padding: padding, transform: transforms[slot], table: lookup.base,
                            output: output.base + slot * imageSize)
                    }
                }
            }
        }
        return Batch(
            images: Tensor(shape: [indices.count, channels, height, width], scalars: scalars), labels: labels,
            indices: indices, epoch: epoch, index: index, globalCount: global.count)
    }
}
