import LARSCore

/// A seeded classification data set: normal inputs labelled by a random linear "teacher", the
/// same on every rank for a given seed, so that every rank can cut its shard from it.
struct SyntheticData {
    /// `[count, inputs]`, row-major.
    let x: [Float]
    /// `count` labels in `0..<classes`.
    let labels: [Int32]
    let inputs: Int

    init(count: Int, inputs: Int, classes: Int, seed: UInt64) {
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        let teacher = (0..<(inputs * classes)).map { _ in generator.nextNormal() }
        var x = [Float](repeating: 0, count: count * inputs)
        var labels = [Int32](repeating: 0, count: count)
        for r in 0..<count {
            var best = -Float.infinity
            for c in 0..<classes {
                var score: Float = 0
                for i in 0..<inputs {
                    if c == 0 { x[r * inputs + i] = generator.nextNormal() }
                    score += x[r * inputs + i] * teacher[i * classes + c]
                }
                if score > best {
                    best = score
                    labels[r] = Int32(c)
                }
            }
        }
        self.x = x
        self.labels = labels
        self.inputs = inputs
    }
}

/// The contiguous rows of a global batch of `batch` rows that `rank` of `size` owns: the first
/// `batch % size` ranks get one extra row, so every row is owned exactly once.
func shard(batch: Int, rank: Int, size: Int) -> Range<Int> {
    let base = batch / size, extra = batch % size
    let start = rank * base + min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
