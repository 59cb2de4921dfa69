import Dispatch

/// Runs the work that BLAS does not do (im2col, BatchNorm, pooling, activations) on several
/// cores, on one of two pools (`ThreadPool`): Dispatch's threads, or the OpenMP team oneDNN's
/// primitives run on.
public enum Parallel {
    /// Calls `body(chunk)` for each of `count` independent chunks, spreading them over at most
    /// `threads` threads of `pool`. With one thread, or one chunk, it runs inline on the caller's
    /// thread, which keeps results bit-identical to the serial code for reductions done per
    /// chunk; the pool never changes a result.
    @inlinable
    public static func forEach(
        _ count: Int, threads: Int, pool: ThreadPool = .dispatch, _ body: @Sendable (Int) -> Void
    ) {
        if count <= 0 { return }
        let workers = min(max(1, threads), count)
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        // Static partition into `workers` contiguous ranges: cheaper than one task per chunk and
        // deterministic in which thread owns which chunk.
        if pool == .openMP && forEachOnOpenMP(count, workers: workers, body) { return }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = count * w / workers
            let end = count * (w + 1) / workers
            for i in start..<end { body(i) }
        }
    }
}
