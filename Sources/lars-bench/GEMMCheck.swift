import SwiftLARS

/// Verifies a backend's `gemm` before it is timed: its output is compared with a
/// Double-accumulated reference, the algorithm of the naive oracle, on every entry of small
/// products and on 512 sampled entries of large ones (the exact shape that is timed).
enum GEMMCheck {
    /// Entries compared in full when `m * n * k` is at most this; above, entries are sampled.
    static let fullCheckLimit = 1 << 24

    /// Runs `backend` on `shape` and throws if any compared entry is off by more than a rounding
    /// bound of `16 * eps * sqrt(k) * sum_p |a_ip * b_pj|`.
    static func verify(
        _ shape: GEMMShape, backend: any KernelBackend, backendName: String, threads: Int,
        a: FloatBuffer, b: FloatBuffer, c: FloatBuffer
    ) throws {
        let (m, n, k) = (shape.m, shape.n, shape.k)
        // A sentinel shows entries the kernel forgot to write.
        c.pointer.update(repeating: .nan, count: m * n)
        backend.gemm(
            transA: shape.transA, transB: shape.transB, m: m, n: n, k: k,
            a: a.constPointer, b: b.constPointer, c: c.pointer)
        let lda = shape.transA ? m : k
        let ldb = shape.transB ? k : n
        let bound = 16 * Double(Float.ulpOfOne) * Double(k).squareRoot()

        func check(_ i: Int, _ j: Int) throws {
            var sum = 0.0, magnitude = 0.0
            for p in 0..<k {
                let x = Double(shape.transA ? a.pointer[p * lda + i] : a.pointer[i * lda + p])
                let y = Double(shape.transB ? b.pointer[j * ldb + p] : b.pointer[p * ldb + j])
                sum += x * y
                magnitude += abs(x * y)
            }
            let got = Double(c.pointer[i * n + j])
            let error = abs(got - sum)
            if !(error <= bound * magnitude + 1e-30) {
                throw BenchCheckError(message: """
                    \(backendName) (\(threads) threads) gemm \(shape.label) \(shape.description): \
                    C[\(i),\(j)] = \(got), reference \(sum), |error| \(error) > bound \(bound * magnitude)
                    """)
            }
        }

        for index in 0..<(m * n) where !c.pointer[index].isFinite {
            throw BenchCheckError(message: """
                \(backendName) (\(threads) threads) gemm \(shape.label) \(shape.description): \
                C[\(index / n),\(index % n)] = \(c.pointer[index]) (not written or not finite)
                """)
        }
        if m * n * k <= fullCheckLimit {
            for i in 0..<m { for j in 0..<n { try check(i, j) } }
        } else {
            var generator = SeededGenerator(seed: 0xC0FFEE)
            // The corners catch edge-tile bugs; the random entries catch the rest.
            for (i, j) in [(0, 0), (m - 1, n - 1), (0, n - 1), (m - 1, 0)] { try check(i, j) }
            for _ in 0..<508 { try check(generator.nextInt(below: m), generator.nextInt(below: n)) }
        }
    }
}
