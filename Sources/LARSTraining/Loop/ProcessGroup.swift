/// The processes that train one model together (data parallelism). A single process is a group
/// of one; `LARSDistributed` provides an MPI group. The trainer calls these at fixed points of
/// every step, so all ranks must make the same calls in the same order.
public protocol ProcessGroup: AnyObject {
    /// This process's index, `0..<size`. Rank 0 alone prints, logs and writes checkpoints.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` on every rank with the element-wise sum over all ranks.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` on every rank with the element-wise sum over all ranks (Double, for
    /// metrics such as loss sums and correct counts).
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Copies rank `root`'s `values` to every rank.
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Copies rank `root`'s bytes to every rank; all ranks pass buffers of equal length.
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Stops every rank of the job with `message` after a failure on this one, so that the
    /// others do not wait for it forever.
    func abort(message: String, code: Int32) -> Never
}

/// A group of one process: every collective is the identity.
public final class SingleProcessGroup: ProcessGroup {
    /// Creates the one-process group.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var size: Int { 1 }
    /// Nothing to sum with.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    /// Nothing to sum with.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    /// Nothing to copy.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    /// Nothing to copy.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    /// Ends this process.
    public func abort(message: String, code: Int32) -> Never {
        fatalError(message)
    }
}

/// Synchronised BatchNorm over a process group: BatchNorm's per-channel sums are all-reduced
/// across the ranks. BatchNorm cannot handle an error in the middle of a layer, so a failed
/// collective stops the whole job through `abort` (the other ranks would otherwise wait forever).
public final class ProcessGroupStatisticsReducer: BatchStatisticsReducer {
    /// The ranks whose batch statistics are combined.
    public let group: any ProcessGroup

    /// Sums over `group`.
    public init(group: any ProcessGroup) {
        self.group = group
    }

    /// All-reduces `values` (Double, per-channel sums and counts) over the group.
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        do {
            try group.allReduceSum(values)
        } catch {
            group.abort(message: "synchronised BatchNorm: the allreduce of \(values.count) batch statistics failed on rank \(group.rank): \(error)", code: 1)
        }
    }
}
