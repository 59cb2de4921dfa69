// How the element-wise kernels cut their work for `Parallel.forEach`.

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
