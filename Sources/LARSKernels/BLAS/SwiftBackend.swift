/// The pure-Swift backend: no C library involved, so it runs wherever Swift does and gives the
/// tests an independent implementation to compare OpenBLAS with.
///
/// Two matrix multiplies are available: `.naive`, the textbook triple loop that the tests trust
/// as their oracle, and `.tuned`, a cache-blocked SIMD kernel for real use (see `TunedGEMM`).
public struct SwiftBackend: KernelBackend {
    /// Which `gemm` implementation the backend runs.
    public enum GEMMKind: String, Sendable, CaseIterable {
        /// Triple loop with Double accumulation: slow and obviously correct.
        case naive
        /// Cache-blocked, register-tiled SIMD kernel.
        case tuned
    }

    /// The `gemm` this backend runs.
    public let gemmKind: GEMMKind
    /// Threads the tuned `gemm` may use (row blocks of `C` are split between them).
    public let threads: Int

    /// Creates a pure-Swift backend running `gemmKind`, on up to `threads` threads.
    public init(gemm gemmKind: GEMMKind = .tuned, threads: Int = 1) {
        precondition(threads >= 1, "SwiftBackend needs at least one thread, got \(threads)")
        self.gemmKind = gemmKind
        self.threads = threads
    }

    /// The naive oracle backend.
    public static let naive = SwiftBackend(gemm: .naive)
    /// The tuned backend on one thread.
    public static let tuned = SwiftBackend(gemm: .tuned)

    /// `swift-naive` or `swift-tuned`.
    public var name: String { "swift-\(gemmKind.rawValue)" }

    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        checkGEMMArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        switch gemmKind {
        case .naive:
            NaiveGEMM.run(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        case .tuned:
            TunedGEMM.run(
                transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, threads: threads)
        }
    }

    public func gemv(
        trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        precondition(lda >= max(1, n), "gemv: lda=\(lda) smaller than n=\(n)")
        if !trans {
            for i in 0..<m {
                let row = a + i * lda
                var sum: Float = 0
                for j in 0..<n { sum += row[j] * x[j] }
                y[i] = alpha * sum + (beta == 0 ? 0 : beta * y[i])
            }
        } else {
            for j in 0..<n { y[j] = beta == 0 ? 0 : beta * y[j] }
            for i in 0..<m {
                let row = a + i * lda
                let scaled = alpha * x[i]
                for j in 0..<n { y[j] += scaled * row[j] }
            }
        }
    }

    public func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    public func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
        for i in 0..<n { x[i] *= alpha }
    }

    public func dot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        // Eight independent partial sums let the loop vectorise and keep rounding error low.
        var partial = SIMD8<Float>()
        var i = 0
        while i + 8 <= n {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            let ys = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            partial = partial + xs * ys
            i += 8
        }
        var sum = partial.sum()
        while i < n { sum += x[i] * y[i]; i += 1 }
        return sum
    }

    public func nrm2(n: Int, x: UnsafePointer<Float>) -> Float {
        // The square of any finite Float is below 1.2e77, far inside Double's range, so a
        // Double sum of squares cannot overflow or lose the small components.
        var partial = SIMD4<Double>()
        var i = 0
        while i + 4 <= n {
            let v = SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
            partial = partial + v * v
            i += 4
        }
        var sum = partial.sum()
        while i < n { let v = Double(x[i]); sum += v * v; i += 1 }
        return Float(sum.squareRoot())
    }
}
