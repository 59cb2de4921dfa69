/// How a tensor's elements are ordered in memory.
///
/// Every element access (`Tensor.scalars`, subscripts, `withUnsafeBufferPointer`) sees the
/// `plain` order; the blocked order exists so that consecutive oneDNN layers (convolution,
/// BatchNorm, pooling) hand activations to each other in the layout their fast kernels read,
/// without a reorder each way at every layer.
public enum TensorLayout: Hashable, Sendable, CustomStringConvertible {
    /// Row-major in the shape's order: NCHW for images.
    case plain
    /// oneDNN's `nChw<b>c` for a `[N, C, H, W]` tensor: `[N][C / b][H][W][b]`, the channels in
    /// blocks of `b` innermost: 8 (AVX2 kernels) or 16 (AVX-512), the only blocks oneDNN and this
    /// package's walks use. Only for rank-4 tensors whose `C` is a multiple of `b`, so the
    /// element count is unchanged.
    case channelBlocked(Int)

    /// The channel block `b`, or `nil` for `plain`.
    public var channelBlock: Int? {
        if case .channelBlocked(let b) = self { return b }
        return nil
    }

    /// Whether a tensor of `shape` can be stored in this layout: always for `plain`; for a block
    /// of 8 or 16 when the tensor has rank 4 and whole blocks of channels; never for other blocks.
    public func fits(_ shape: [Int]) -> Bool {
        guard let b = channelBlock else { return true }
        return (b == 8 || b == 16) && shape.count == 4 && shape[1] % b == 0
    }

    /// `plain` or `nChw8c`, as oneDNN names them.
    public var description: String {
        channelBlock.map { "nChw\($0)c" } ?? "plain"
    }
}

/// Copies a `[batch, channels, pixels]` tensor from plain NCHW order into `nChw<block>c` order.
/// `channels` must be a multiple of `block`; `source` and `destination` hold
/// `batch * channels * pixels` floats and do not overlap.
public func reorderPlainToChannelBlocked(
    _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
    pixels: Int, block: Int
) {
    let blocks = channels / block
    for nb in 0..<(batch * blocks) {
        // Plane `nb` of the blocked tensor gathers channels nb*block ..< (nb+1)*block of image n,
        // which are consecutive planes of the plain one.
        let from = source + nb * block * pixels
        let to = destination + nb * block * pixels
        for lane in 0..<block {
            let plane = from + lane * pixels
            for p in 0..<pixels { to[p * block + lane] = plane[p] }
        }
    }
}

/// Copies a `[batch, channels, pixels]` tensor from `nChw<block>c` order into plain NCHW order;
/// the inverse of `reorderPlainToChannelBlocked`.
public func reorderChannelBlockedToPlain(
    _ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
    pixels: Int, block: Int
) {
    let blocks = channels / block
    for nb in 0..<(batch * blocks) {
        let from = source + nb * block * pixels
        let to = destination + nb * block * pixels
        for lane in 0..<block {
            let plane = to + lane * pixels
            for p in 0..<pixels { plane[p] = from[p * block + lane] }
        }
    }
}
