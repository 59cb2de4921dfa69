/// The operations that BLAS replaces, behind one interface so that every caller can run on
/// OpenBLAS or on pure Swift and every test can compare the two.
///
/// All matrices are **row-major**. `gemm` computes `C = alpha * op(A) * op(B) + beta * C` where
/// `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`; `lda`, `ldb` and `ldc` are the row
/// strides (in elements) of the matrices *as stored*, so `lda >= k` when `A` is not transposed and
/// `lda >= m` when it is. Vectors are contiguous (unit stride).
///
/// Implementations are stateless values, so a backend can be handed to any thread.
public protocol KernelBackend: Sendable {
    /// A short name for logs and benchmark tables, such as `openblas` or `swift-tuned`.
    var name: String { get }

    /// Row-major single-precision matrix multiply: `C = alpha * op(A) * op(B) + beta * C`.
    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int)

    /// Row-major matrix-vector multiply: `y = alpha * op(A) * x + beta * y`, where `A` is stored
    /// `m x n` with row stride `lda`; `x` has `n` elements (`m` when transposed) and `y` has `m`
    /// (`n` when transposed).
    func gemv(
        trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>)

    /// `y += alpha * x` over `n` elements.
    func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>)

    /// `x *= alpha` over `n` elements.
    func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>)

    /// The dot product of two `n`-element vectors.
    func dot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float

    /// The Euclidean norm of an `n`-element vector, computed without overflow or underflow
    /// for any finite input (it never returns `inf` for finite data).
    func nrm2(n: Int, x: UnsafePointer<Float>) -> Float
}

extension KernelBackend {
    /// `gemm` on whole buffers: the leading dimensions are those of dense row-major storage.
    @inlinable
    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        beta: Float = 0, c: UnsafeMutablePointer<Float>
    ) {
        gemm(
            transA: transA, transB: transB, m: m, n: n, k: k,
            alpha: alpha, a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n,
            beta: beta, c: c, ldc: n)
    }
}

/// Checks the shape arguments shared by every `gemm` implementation, so that a wrong leading
/// dimension stops with a message instead of reading out of bounds.
@inlinable
func checkGEMMArguments(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int
) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative size m=\(m) n=\(n) k=\(k)")
    precondition(lda >= max(1, transA ? m : k), "gemm: lda=\(lda) too small for transA=\(transA), m=\(m), k=\(k)")
    precondition(ldb >= max(1, transB ? k : n), "gemm: ldb=\(ldb) too small for transB=\(transB), k=\(k), n=\(n)")
    precondition(ldc >= max(1, n), "gemm: ldc=\(ldc) smaller than n=\(n)")
}
