// Tensors built or solved with LAPACK: orthogonal initialisation and linear least squares.

extension Tensor {
    /// A random orthogonal tensor for weight initialisation (Saxe et al. 2014): the tensor is
    /// viewed as a matrix with `rows = shape[0]` and `columns` = the product of the other
    /// dimensions (so a convolution weight `[out, in, kh, kw]` is `out x (in*kh*kw)`), filled with
    /// Gaussian samples from `generator` and replaced by the `Q` factor of its QR decomposition,
    /// times `gain`. The rows are orthonormal when `rows <= columns`, the columns otherwise.
    ///
    /// Throws `LAPACKError` if `sgeqrf` or `sorgqr` fails.
    public init(orthogonal shape: [Int], gain: Float = 1, generator: inout SeededGenerator) throws {
        userPrecondition(!shape.isEmpty, "Tensor(orthogonal:) needs a shape of rank >= 1")
        let rows = shape[0]
        let columns = shape.dropFirst().reduce(1, *)
        self.init(normal: shape, generator: &generator)
        try withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try LAPACK.orthonormalize(rows: rows, columns: columns, a: base, lda: Swift.max(columns, 1))
        }
        if gain != 1 {
            withUnsafeMutableBufferPointer { buffer in
                for i in 0..<buffer.count { buffer[i] *= gain }
            }
        }
    }

    /// The least-squares solution `x` of `a x ≈ b` (`sgels`): `a` is `[m, n]` with full rank,
    /// `b` is `[m]` (result `[n]`) or `[m, k]` (result `[n, k]`, one column per right-hand side).
    /// When `m < n` it is the minimum-norm solution of the underdetermined system.
    ///
    /// Throws `LAPACKError` (`sgels`, `info > 0`) when `a` is rank deficient, exactly or to
    /// within Float rounding.
    public static func leastSquares(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        userPrecondition(a.rank == 2, "leastSquares: a must be a matrix [m, n], got shape \(a.shape)")
        userPrecondition(b.rank == 1 || b.rank == 2, "leastSquares: b must be [m] or [m, k], got shape \(b.shape)")
        let (m, n) = (a.shape[0], a.shape[1])
        userPrecondition(b.shape[0] == m, "leastSquares: b has \(b.shape[0]) rows, a has \(m) (shapes \(a.shape), \(b.shape))")
        let k = b.rank == 1 ? 1 : b.shape[1]
        let rowsB = Swift.max(m, n)
        var factors = a.scalars
        var rhs = [Float](repeating: 0, count: rowsB * k)
        rhs.replaceSubrange(0..<(m * k), with: b.scalars)
        if m > 0 && n > 0 && k > 0 {
            try factors.withUnsafeMutableBufferPointer { pa in
                try rhs.withUnsafeMutableBufferPointer { pb in
                    try LAPACK.solveLeastSquares(
                        m: m, n: n, nrhs: k, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: k)
                }
            }
        }
        let solution = Array(rhs[0..<(n * k)])
        return Tensor(shape: b.rank == 1 ? [n] : [n, k], scalars: solution)
    }
}
