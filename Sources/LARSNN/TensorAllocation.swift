// Allocation helpers for layers: outputs that are about to be fully overwritten need not be
// zero-filled first, which saves a memory pass per layer per step.

extension Tensor {
    /// A tensor of `shape`, stored as `layout`, whose elements are unspecified; the caller
    /// overwrites all of them.
    @inlinable
    static func uninitialized(_ shape: [Int], layout: TensorLayout = .plain) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, layout: layout, storage: scalars)
    }
}

/// Splits `count` items into at most `threads` contiguous ranges for `Parallel.forEach`.
@inlinable
func chunkRange(_ index: Int, of chunks: Int, count: Int) -> Range<Int> {
    (count * index / chunks)..<(count * (index + 1) / chunks)
}

/// How many chunks to cut `count` elements into for element-wise work: one per thread, but
/// none smaller than a few thousand elements, where threading costs more than it saves.
@inlinable
func elementwiseChunks(_ count: Int, threads: Int) -> Int {
    max(1, min(threads, count / 16_384))
}
