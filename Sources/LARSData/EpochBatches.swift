import Dispatch

/// The batches of one epoch, in order, optionally assembled one ahead on a background thread.
///
/// Use it once, from one thread: `for batch in loader.epoch(e) { ... }`. Prefetching only moves
/// work to another thread; every batch equals `loader.batch(epoch:index:)`.
public final class EpochBatches: Sequence, IteratorProtocol {
    private let loader: BatchLoader
    private let epoch: Int
    private let order: [Int]
    private var nextIndex: Int
    private let end: Int
    private var pending: PendingBatch?
    private let queue: DispatchQueue?

    init(loader: BatchLoader, epoch: Int, start: Int) {
        userPrecondition(start >= 0 && start <= loader.batchesPerEpoch,
                     "EpochBatches: start batch \(start) outside 0...\(loader.batchesPerEpoch)")
        self.loader = loader
        self.epoch = epoch
        self.order = loader.order(epoch: epoch)
        self.nextIndex = start
        self.end = loader.batchesPerEpoch
        self.queue = loader.options.prefetch ? DispatchQueue(label: "lars.data.prefetch") : nil
        schedule(start)
    }

    /// The number of batches this sequence still yields.
    public var remaining: Int { end - nextIndex }

    /// The next batch, or `nil` after the last one.
    public func next() -> Batch? {
        guard nextIndex < end else { return nil }
        let batch = pending?.take() ?? loader.makeBatch(epoch: epoch, index: nextIndex, order: order)
        pending = nil
        nextIndex += 1
        schedule(nextIndex)
        return batch
    }

    /// Starts assembling batch `index` in the background when prefetching.
    private func schedule(_ index: Int) {
        guard let queue, index < end else { return }
        let box = PendingBatch()
        let loader = self.loader, epoch = self.epoch, order = self.order
        queue.async {
            box.fulfil(loader.makeBatch(epoch: epoch, index: index, order: order))
        }
        pending = box
    }

    deinit {
        // Let a batch still being assembled finish before the queue goes away.
        _ = pending?.take()
    }
}

/// A batch assembled on another thread; the semaphore orders the write before the read.
private final class PendingBatch: @unchecked Sendable {
    private var value: Batch?
    private let ready = DispatchSemaphore(value: 0)

    func fulfil(_ batch: Batch) {
        value = batch
        ready.signal()
    }

    func take() -> Batch {
        ready.wait()
        return value!
    }
}
