// The rectifier, element-wise over `count` floats in any layout (the order does not matter),
// the same on both engines; parallel over chunks of at least a few thousand elements.

/// `y = max(x, 0)`, `y` overwritten.
public func reluForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, count: Int, threads: Int, pool: ThreadPool
) {
    let chunks = elementwiseChunks(count, threads: threads)
    let (xs, ys) = (SendableConstPointer(x), SendablePointer(y))
    Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
        let r = chunkRange(chunk, of: chunks, count: count)
        VectorLoops.relu(xs.base + r.lowerBound, ys.base + r.lowerBound, r.count)
    }
}

/// `dx = y > 0 ? dy : 0` from the forward's output `y`, `dx` overwritten (the subgradient at 0
/// is taken as 0).
public func reluBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    output y: UnsafePointer<Float>, count: Int, threads: Int, pool: ThreadPool
) {
    let chunks = elementwiseChunks(count, threads: threads)
    let (ys, gs, ds) = (SendableConstPointer(y), SendableConstPointer(dy), SendablePointer(dx))
    Parallel.forEach(chunks, threads: threads, pool: pool) { chunk in
        let r = chunkRange(chunk, of: chunks, count: count)
        VectorLoops.reluBackward(ys.base + r.lowerBound, gs.base + r.lowerBound, ds.base + r.lowerBound, r.count)
    }
}
