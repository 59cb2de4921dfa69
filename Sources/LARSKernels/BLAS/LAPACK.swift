import CBLAS

/// LAPACK routines through LAPACKE, on raw buffers. Matrices are row-major with row stride
/// `lda` (elements), like everywhere else in the package; every function throws `LAPACKError`
/// when LAPACK reports `info != 0`. Sizes must fit 32-bit `lapack_int`.
public enum LAPACK {
    @inline(__always)
    static func lapackInt(_ value: Int, _ what: StaticString) -> Int32 {
        precondition(value >= 0 && value <= Int(Int32.max), "LAPACK \(what)=\(value) does not fit a 32-bit lapack_int")
        return Int32(value)
    }

    /// Replaces the `rows x columns` matrix in `a` by an orthonormal one spanning the same space:
    /// orthonormal **columns** (`Q^T Q = I`) when `rows >= columns`, orthonormal **rows**
    /// (`Q Q^T = I`) otherwise. It is the `Q` factor of a QR decomposition (`sgeqrf` then
    /// `sorgqr`), with each vector's sign flipped so that `R` has a positive diagonal; applied to
    /// a Gaussian matrix this gives a uniformly (Haar) distributed orthogonal matrix.
    ///
    /// Throws `LAPACKError` naming `sgeqrf` or `sorgqr` on failure.
    public static func orthonormalize(rows: Int, columns: Int, a: UnsafeMutablePointer<Float>, lda: Int) throws {
        precondition(lda >= max(1, columns), "orthonormalize: lda=\(lda) smaller than columns=\(columns)")
        if rows == 0 || columns == 0 { return }
        if rows >= columns {
            try orthonormalizeColumns(layout: LAPACK_ROW_MAJOR, m: rows, n: columns, a: a, ld: lda)
        } else {
            // A row-major rows x columns matrix is the column-major columns x rows matrix with the
            // same stride, so orthonormal columns there are orthonormal rows here, with no copy.
            try orthonormalizeColumns(layout: LAPACK_COL_MAJOR, m: columns, n: rows, a: a, ld: lda)
        }
    }

    /// QR of an `m x n` matrix (`m >= n`) in `layout`, overwritten by `Q`'s `n` columns.
    private static func orthonormalizeColumns(layout: Int32, m: Int, n: Int, a: UnsafeMutablePointer<Float>, ld: Int) throws {
        let tau = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let signs = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { tau.deallocate(); signs.deallocate() }
        let (mi, ni, ldi) = (lapackInt(m, "m"), lapackInt(n, "n"), lapackInt(ld, "lda"))
        let qrInfo = LAPACKE_sgeqrf(layout, mi, ni, a, ldi, tau)
        if qrInfo != 0 { throw LAPACKError(routine: "sgeqrf", info: Int(qrInfo)) }
        // R's diagonal is a[j][j] in either layout; remember its signs before Q overwrites it.
        for j in 0..<n { signs[j] = a[j * ld + j] < 0 ? -1 : 1 }
        let qInfo = LAPACKE_sorgqr(layout, mi, ni, ni, a, ldi, tau)
        if qInfo != 0 { throw LAPACKError(routine: "sorgqr", info: Int(qInfo)) }
        for j in 0..<n where signs[j] < 0 {
            for i in 0..<m {
                let index = layout == LAPACK_ROW_MAJOR ? i * ld + j : j * ld + i
                a[index] = -a[index]
            }
        }
    }

    /// Solves the linear least-squares problem `min ||A x - B||` (`m >= n`) or the minimum-norm
    /// problem `A x = B` (`m < n`) with `sgels` (QR or LQ of `A`, which must have full rank).
    ///
    /// - `a`: `m x n`, row stride `lda`; overwritten by its QR/LQ factorisation.
    /// - `b`: `max(m, n) x nrhs`, row stride `ldb`; on entry the first `m` rows hold the right-hand
    ///   sides, on return the first `n` rows hold the solutions.
    /// - `rankTolerance`: besides LAPACK's own check (an exactly zero diagonal of the triangular
    ///   factor, `info > 0`), diagonal entry `i` is also reported as rank deficiency when it is
    ///   below `rankTolerance` times the norm of column `i` of `A` (row `i` when `m < n`), since
    ///   rounding rarely leaves an exact zero. That ratio is the sine of the angle between the
    ///   column and the span of the columns before it, so the test ignores column scaling. The
    ///   default, `max(m, n) * Float.ulpOfOne`, flags columns that Float cannot tell apart from a
    ///   combination of the others. Pass 0 for LAPACK's check alone.
    ///
    /// Throws `LAPACKError` (`sgels`) with `info = i > 0` when `A` is (numerically) rank deficient
    /// at diagonal element `i` (1-based), or `info < 0` for an illegal argument.
    public static func solveLeastSquares(
        m: Int, n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, lda: Int,
        b: UnsafeMutablePointer<Float>, ldb: Int, rankTolerance: Float? = nil
    ) throws {
        precondition(lda >= max(1, n), "solveLeastSquares: lda=\(lda) smaller than n=\(n)")
        precondition(ldb >= max(1, nrhs), "solveLeastSquares: ldb=\(ldb) smaller than nrhs=\(nrhs)")
        if m == 0 || n == 0 || nrhs == 0 { return }
        // Norms of A's columns (QR, m >= n) or rows (LQ, m < n), before sgels overwrites A.
        let diagonal = min(m, n)
        var norms = [Float](repeating: 0, count: diagonal)
        for i in 0..<diagonal {
            var sum: Double = 0
            for j in 0..<max(m, n) {
                let value = Double(m >= n ? a[j * lda + i] : a[i * lda + j])
                sum += value * value
            }
            norms[i] = Float(sum.squareRoot())
        }
        let info = LAPACKE_sgels(
            LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), lapackInt(m, "m"), lapackInt(n, "n"),
            lapackInt(nrhs, "nrhs"), a, lapackInt(lda, "lda"), b, lapackInt(ldb, "ldb"))
        if info > 0 {
            throw LAPACKError(
                routine: "sgels", info: Int(info),
                explanation: "diagonal element \(info) of the triangular factor of A is exactly zero: "
                    + "A (\(m) x \(n)) does not have full rank, so the least-squares solution is not unique")
        }
        if info < 0 { throw LAPACKError(routine: "sgels", info: Int(info)) }
        let tolerance = rankTolerance ?? Float(max(m, n)) * Float.ulpOfOne
        if tolerance > 0 {
            for i in 0..<diagonal where abs(a[i * lda + i]) <= tolerance * norms[i] {
                throw LAPACKError(
                    routine: "sgels", info: i + 1,
                    explanation: "diagonal element \(i + 1) of the triangular factor of A is \(abs(a[i * lda + i])), "
                        + "below \(tolerance) x the norm of \(m >= n ? "column" : "row") \(i + 1) (\(norms[i])): "
                        + "A (\(m) x \(n)) is numerically rank deficient, so the solution would be dominated by rounding error")
            }
        }
    }
}
