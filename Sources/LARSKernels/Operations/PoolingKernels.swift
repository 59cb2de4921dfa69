/// What one pooling layer keeps between calls: max pooling's argmax for the Swift loops and
/// the oneDNN primitives. Owned by the layer, so each `DataParallel` replica has its own; not
/// for two threads at once.
public final class PoolingState: @unchecked Sendable {
    /// Where each output's maximum came from (its pixel within the plane), for the Swift loops.
    var argmax: [Int32] = []
    /// oneDNN primitives per shape and mode.
    public let oneDNNCache = OneDNNPrimitiveCache()

    /// An empty state.
    public init() {}
}

/// How a pooling forward ran: what the matching backward must follow.
public struct PoolingForwardRecord: Sendable, Equatable {
    /// Whether oneDNN's primitive ran (its backward needs the primitive's workspace).
    public var ranOnOneDNN: Bool
    /// The layout of the input and output, which the gradients keep.
    public var layout: TensorLayout

    /// A record of a forward that ran on oneDNN or not, on tensors stored as `layout`.
    public init(ranOnOneDNN: Bool, layout: TensorLayout) {
        self.ranOnOneDNN = ranOnOneDNN
        self.layout = layout
    }

    /// The record of a forward that has not run.
    public static let none = PoolingForwardRecord(ranOnOneDNN: false, layout: .plain)
}

/// Max and average pooling, chosen once from the context (`ExecutionContext.poolingKernels`),
/// so that the pooling layers call them without asking which engine runs: oneDNN's primitives
/// when `usesOneDNN` (except max pooling of a channel-blocked input, which the Swift walk of
/// `MaxPoolBlocked.swift` runs faster), the Swift loops otherwise. Windows, ties and results
/// agree on every path (exactly for max pooling).
///
/// Shapes: square `kernel x kernel` windows moved by `stride`, no padding; `x`, `dx` are
/// `[batch, channels, height, width]` and `y`, `dy` are `[batch, channels, (height - kernel) /
/// stride + 1, (width - kernel) / stride + 1]`, all stored as one layout
/// (`inputLayout(for:kind:)`).
public struct PoolingKernels: Sendable {
    /// Whether oneDNN's primitives run where they are the faster choice.
    public let usesOneDNN: Bool
    /// Threads of each call, and the pool of the Swift loops.
    public let threads: Int, pool: ThreadPool

    /// The kernels; `usesOneDNN` only in a build with oneDNN.
    public init(usesOneDNN: Bool, threads: Int, pool: ThreadPool) {
        self.usesOneDNN = usesOneDNN
        self.threads = threads
        self.pool = pool
    }

    /// Whether oneDNN runs `kind` on an input stored as `layout`.
    func runsOnOneDNN(_ kind: PoolingKind, layout: TensorLayout) -> Bool {
        usesOneDNN && (kind == .average || layout == .plain)
    }

    /// The layout these kernels read an input stored as `layout` in: as stored, except NCHW
    /// for average pooling in Swift.
    public func inputLayout(for layout: TensorLayout, kind: PoolingKind) -> TensorLayout {
        kind == .maximum || runsOnOneDNN(kind, layout: layout) ? layout : .plain
    }

    /// `y` (overwritten) pooled from `x`, both stored as `layout` (an `inputLayout(for:kind:)`);
    /// a `training` forward keeps what the backward needs in `state`.
    public func forward(
        output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, batch: Int, channels: Int, height: Int,
        width: Int, layout: TensorLayout, kernel: Int, stride: Int, kind: PoolingKind, training: Bool,
        state: PoolingState
    ) -> PoolingForwardRecord {
        let record = PoolingForwardRecord(ranOnOneDNN: runsOnOneDNN(kind, layout: layout), layout: layout)
        let outputCount = batch * channels * ((height - kernel) / stride + 1) * ((width - kernel) / stride + 1)
        if kind == .maximum && !record.ranOnOneDNN && state.argmax.count != outputCount {
            state.argmax = [Int32](repeating: 0, count: outputCount)
        }
        guard outputCount > 0 else { return record }
        if record.ranOnOneDNN {
            oneDNNPoolingForward(
                output: y, input: x, batch: batch, channels: channels, height: height, width: width, layout: layout,
                kernel: kernel, stride: stride, kind: kind, training: training, cache: state.oneDNNCache, threads: threads)
        } else if kind == .average {
            avgPoolForward(
                output: y, input: x, planes: batch * channels, height: height, width: width, kernel: kernel,
                stride: stride, threads: threads, pool: pool)
        } else {
            state.argmax.withUnsafeMutableBufferPointer { a in
                if let block = layout.channelBlock {
                    maxPoolBlockedForward(
                        output: y, argmax: a.baseAddress!, input: x, batch: batch, channels: channels, height: height,
                        width: width, block: block, kernel: kernel, stride: stride, threads: threads, pool: pool)
                } else {
                    maxPoolForward(
                        output: y, argmax: a.baseAddress!, input: x, planes: batch * channels, height: height,
                        width: width, kernel: kernel, stride: stride, threads: threads, pool: pool)
                }
            }
        }
        return record
    }

    /// dL/dx of the latest training `forward` (`forward` is its record), `dx` overwritten: each
    /// output gradient routed to its window's maximum or spread evenly over its window, summed
    /// where windows overlap, zero where none lands. `dy` and `dx` are stored as
    /// `forward.layout`.
    public func backward(
        inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int,
        channels: Int, height: Int, width: Int, kernel: Int, stride: Int, kind: PoolingKind,
        forward: PoolingForwardRecord, state: PoolingState
    ) {
        let count = batch * channels * height * width
        guard count > 0 else { return }
        if forward.ranOnOneDNN {
            dx.update(repeating: 0, count: count)
            oneDNNPoolingBackward(
                inputGradient: dx, outputGradient: dy, batch: batch, channels: channels, height: height, width: width,
                layout: forward.layout, kernel: kernel, stride: stride, kind: kind, cache: state.oneDNNCache,
                threads: threads)
        } else if kind == .average {
            avgPoolBackward(
                inputGradient: dx, outputGradient: dy, planes: batch * channels, height: height, width: width,
                kernel: kernel, stride: stride, threads: threads, pool: pool)
        } else {
            state.argmax.withUnsafeBufferPointer { a in
                if let block = forward.layout.channelBlock {
                    dx.update(repeating: 0, count: count)
                    maxPoolBlockedBackward(
                        inputGradient: dx, outputGradient: dy, argmax: a.baseAddress!, batch: batch, channels: channels,
                        height: height, width: width, block: block, kernel: kernel, stride: stride, threads: threads,
                        pool: pool)
                } else {
                    maxPoolBackward(
                        inputGradient: dx, outputGradient: dy, argmax: a.baseAddress!, planes: batch * channels,
                        height: height, width: width, kernel: kernel, stride: stride, threads: threads, pool: pool)
                }
            }
        }
    }
}
