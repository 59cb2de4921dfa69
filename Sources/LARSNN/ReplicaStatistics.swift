import Dispatch

/// Sums BatchNorm's per-channel statistics over the replicas of a `DataParallel` layer, which
/// run on threads of one process, so every replica normalises with the statistics of the whole
/// batch: the replicas together compute exactly what one model would on the whole batch.
///
/// Replica 0 coordinates: it waits until the other active replicas have posted their buffers,
/// adds them to its own in replica order (so the sum is the same every run), lets an optional
/// outer reducer sum over processes (called from replica 0's thread only, which is the thread
/// that called the `DataParallel` layer), writes the total back into every posted buffer and
/// releases the waiting replicas.
final class ReplicaStatisticsExchange: @unchecked Sendable {
    /// Replicas taking part in the current forward or backward pass (the batch may have fewer
    /// images than there are replicas). Set by `DataParallel` while no replica runs.
    var participants: Int
    /// Sums the replicas' total over the processes of a data-parallel job, or `nil`.
    var outer: (any BatchStatisticsReducer)?
    /// One slot per replica, written by that replica's thread and read by replica 0's after the
    /// `arrived` semaphore orders the two (preallocated: no shared Swift array is mutated).
    private let posted: UnsafeMutablePointer<UnsafeMutableBufferPointer<Double>?>
    private let replicas: Int
    private let arrived = DispatchSemaphore(value: 0)
    private let released: [DispatchSemaphore]

    init(replicas: Int) {
        self.replicas = replicas
        participants = replicas
        posted = .allocate(capacity: replicas)
        posted.initialize(repeating: nil, count: replicas)
        released = (0..<replicas).map { _ in DispatchSemaphore(value: 0) }
    }

    deinit {
        posted.deinitialize(count: replicas)
        posted.deallocate()
    }

    /// Replaces `values` with their element-wise sum over the participating replicas (and the
    /// outer reducer's processes); blocks until every participant has called it.
    func sum(_ values: UnsafeMutableBufferPointer<Double>, replica: Int) {
        userPrecondition(replica < participants, "ReplicaStatisticsExchange: replica \(replica) of \(participants) participants")
        guard participants > 1 else {
            outer?.sum(values)
            return
        }
        if replica != 0 {
            posted[replica] = values
            arrived.signal()
            released[replica].wait()
            return
        }
        for _ in 1..<participants { arrived.wait() }
        for other in 1..<participants {
            let theirs = posted[other]!
            userPrecondition(
                theirs.count == values.count,
                "ReplicaStatisticsExchange: replica \(other) posted \(theirs.count) values, replica 0 \(values.count)")
            for i in 0..<values.count { values[i] += theirs[i] }
        }
        outer?.sum(values)
        for other in 1..<participants {
            let theirs = posted[other]!
            _ = theirs.update(fromContentsOf: values)
            posted[other] = nil
            released[other].signal()
        }
    }
}

/// The view of a `ReplicaStatisticsExchange` that one replica's BatchNorm layers hold.
final class ReplicaStatisticsReducer: BatchStatisticsReducer {
    let exchange: ReplicaStatisticsExchange
    let replica: Int

    init(exchange: ReplicaStatisticsExchange, replica: Int) {
        self.exchange = exchange
        self.replica = replica
    }

    func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        exchange.sum(values, replica: replica)
    }
}
