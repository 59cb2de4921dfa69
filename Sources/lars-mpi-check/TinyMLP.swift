#if canImport(Glibc)
import Glibc
#endif
import LARSCore

/// A two-layer perceptron without BatchNorm, `x[n, inputs] -> tanh(x W1 + b1) W2 + b2 -> softmax`,
/// whose parameters and gradients each live in ONE flat buffer, as a data-parallel trainer sums
/// them: `[W1 (inputs x hidden), b1 (hidden), W2 (hidden x classes), b2 (classes)]`.
struct TinyMLP {
    /// One tensor inside the flat buffer.
    struct Segment {
        let name: String
        let offset: Int
        let count: Int
        /// Weights get LARS's trust ratio and weight decay; biases do not.
        let isWeight: Bool
    }

    let inputs: Int
    let hidden: Int
    let classes: Int
    let segments: [Segment]
    /// Total number of parameters.
    let parameterCount: Int

    init(inputs: Int, hidden: Int, classes: Int) {
        self.inputs = inputs
        self.hidden = hidden
        self.classes = classes
        var offset = 0
        var segments: [Segment] = []
        for (name, count, isWeight) in [
            ("dense1.weight", inputs * hidden, true), ("dense1.bias", hidden, false),
            ("dense2.weight", hidden * classes, true), ("dense2.bias", classes, false),
        ] {
            segments.append(Segment(name: name, offset: offset, count: count, isWeight: isWeight))
            offset += count
        }
        self.segments = segments
        parameterCount = offset
    }

    /// Seeded initial parameters: scaled normal weights, zero biases.
    func initialParameters(seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var values = [Float](repeating: 0, count: parameterCount)
        for segment in segments where segment.isWeight {
            let fanIn = segment.name.hasPrefix("dense1") ? inputs : hidden
            let scale = (1 / Float(fanIn)).squareRoot()
            for i in segment.offset..<(segment.offset + segment.count) {
                values[i] = scale * generator.nextNormal()
            }
        }
        return values
    }

    /// Adds `scale * d(sum of cross-entropy over the n rows)/d(parameters)` into `gradient` and
    /// returns the sum of the n rows' losses. `x` is `[n, inputs]`, `labels` has n entries.
    /// With `scale = 1 / globalBatch` on every rank's shard, the sum over ranks is the gradient of
    /// the global batch's mean loss.
    func accumulateGradient(
        parameters: UnsafeBufferPointer<Float>, x: UnsafeBufferPointer<Float>, labels: UnsafeBufferPointer<Int32>,
        rows n: Int, scale: Float, gradient: UnsafeMutableBufferPointer<Float>, backend: any KernelBackend
    ) -> Double {
        precondition(n > 0, "TinyMLP: a shard needs at least one row")
        let p = parameters.baseAddress!, g = gradient.baseAddress!
        let w1 = p + segments[0].offset, b1 = p + segments[1].offset
        let w2 = p + segments[2].offset, b2 = p + segments[3].offset
        let gw1 = g + segments[0].offset, gb1 = g + segments[1].offset
        let gw2 = g + segments[2].offset, gb2 = g + segments[3].offset

        var activations = [Float](repeating: 0, count: n * hidden)
        var logits = [Float](repeating: 0, count: n * classes)
        var hiddenGradient = [Float](repeating: 0, count: n * hidden)
        var loss = 0.0
        activations.withUnsafeMutableBufferPointer { a in
            logits.withUnsafeMutableBufferPointer { z in
                hiddenGradient.withUnsafeMutableBufferPointer { da in
                    let a = a.baseAddress!, z = z.baseAddress!, da = da.baseAddress!
                    // Forward.
                    backend.gemm(transA: false, transB: false, m: n, n: hidden, k: inputs, a: x.baseAddress!, b: w1, c: a)
                    for r in 0..<n {
                        for j in 0..<hidden { a[r * hidden + j] = tanhf(a[r * hidden + j] + b1[j]) }
                    }
                    backend.gemm(transA: false, transB: false, m: n, n: classes, k: hidden, a: a, b: w2, c: z)
                    loss = softmaxCrossEntropyGradient(logits: z, bias: b2, labels: labels, rows: n, scale: scale)
                    // Backward.
                    backend.gemm(transA: true, transB: false, m: hidden, n: classes, k: n, a: a, b: z, beta: 1, c: gw2)
                    for r in 0..<n {
                        for c in 0..<classes { gb2[c] += z[r * classes + c] }
                    }
                    backend.gemm(transA: false, transB: true, m: n, n: hidden, k: classes, a: z, b: w2, c: da)
                    for i in 0..<(n * hidden) { da[i] *= 1 - a[i] * a[i] }
                    backend.gemm(transA: true, transB: false, m: inputs, n: hidden, k: n, a: x.baseAddress!, b: da, beta: 1, c: gw1)
                    for r in 0..<n {
                        for j in 0..<hidden { gb1[j] += da[r * hidden + j] }
                    }
                }
            }
        }
        return loss
    }

    /// Adds `bias` to each of the `rows` rows of `logits` (`[rows, classes]`), then overwrites
    /// them with `dL/dz = scale * (softmax - onehot)`; returns the sum of the rows' losses.
    private func softmaxCrossEntropyGradient(
        logits z: UnsafeMutablePointer<Float>, bias b2: UnsafePointer<Float>, labels: UnsafeBufferPointer<Int32>,
        rows n: Int, scale: Float
    ) -> Double {
        var loss = 0.0
        for r in 0..<n {
            let row = z + r * classes
            var largest = -Float.infinity
            for c in 0..<classes {
                row[c] += b2[c]
                largest = max(largest, row[c])
            }
            var total: Float = 0
            for c in 0..<classes {
                row[c] = expf(row[c] - largest)
                total += row[c]
            }
            let label = Int(labels[r])
            loss -= Double(logf(row[label] / total))
            for c in 0..<classes { row[c] = scale * row[c] / total }
            row[label] -= scale
        }
        return loss
    }
}
