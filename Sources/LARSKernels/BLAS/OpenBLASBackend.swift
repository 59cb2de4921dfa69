import CBLAS

/// The default backend: every operation is one call into OpenBLAS (`cblas_sgemm`,
/// `cblas_snrm2`, ...). Sizes must fit OpenBLAS's 32-bit `blasint`.
public struct OpenBLASBackend: KernelBackend {
    /// Creates the backend. OpenBLAS itself is configured process-wide; see `BLASRuntime`.
    public init() {}

    /// `openblas`.
    public var name: String { "openblas" }

    @inline(__always)
    private func blasInt(_ value: Int, _ what: StaticString) -> blasint {
        precondition(value >= 0 && value <= Int(Int32.max), "OpenBLAS \(what)=\(value) does not fit a 32-bit blasint")
        return blasint(value)
    }

    public func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        checkGEMMArguments(transA: transA, transB: transB, m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc)
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"), alpha, a, blasInt(lda, "lda"),
            b, blasInt(ldb, "ldb"), beta, c, blasInt(ldc, "ldc"))
    }

    public func gemv(
        trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>
    ) {
        precondition(lda >= max(1, n), "gemv: lda=\(lda) smaller than n=\(n)")
        if m == 0 || n == 0 {
            // OpenBLAS still scales y by beta for an empty product; keep that contract.
            let count = trans ? n : m
            for i in 0..<count { y[i] = beta == 0 ? 0 : beta * y[i] }
            return
        }
        cblas_sgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blasInt(m, "m"), blasInt(n, "n"),
            alpha, a, blasInt(lda, "lda"), x, 1, beta, y, 1)
    }

    public func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(blasInt(n, "n"), alpha, x, 1, y, 1)
    }

    public func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
        cblas_sscal(blasInt(n, "n"), alpha, x, 1)
    }

    public func dot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        cblas_sdot(blasInt(n, "n"), x, 1, y, 1)
    }

    public func nrm2(n: Int, x: UnsafePointer<Float>) -> Float {
        cblas_snrm2(blasInt(n, "n"), x, 1)
    }
}
