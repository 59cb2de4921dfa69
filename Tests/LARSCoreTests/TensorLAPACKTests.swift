import Testing
import LARSCore

@Suite struct TensorLAPACKTests {
    /// The largest |(M M^T)_ij - I_ij| (rows) or |(M^T M)_ij - I_ij| (columns) of a matrix.
    func orthogonalityError(_ m: Tensor, rows: Bool) -> Float {
        let gram = rows ? Tensor.matmul(m, m, transposeB: true) : Tensor.matmul(m, m, transposeA: true)
        let size = gram.shape[0]
        var worst: Float = 0
        for i in 0..<size { for j in 0..<size { worst = max(worst, abs(gram[i, j] - (i == j ? 1 : 0))) } }
        return worst
    }

    @Test(arguments: [[1, 1], [5, 5], [12, 4], [4, 12], [64, 27], [16, 3, 3, 3], [8, 32, 3, 3]])
    func orthogonalRowsOrColumns(_ shape: [Int]) throws {
        var generator = SeededGenerator(seed: 77)
        let q = try Tensor(orthogonal: shape, generator: &generator)
        #expect(q.shape == shape)
        let rows = shape[0]
        let columns = shape.dropFirst().reduce(1, *)
        let matrix = q.reshaped([rows, columns])
        #expect(orthogonalityError(matrix, rows: rows <= columns) < 1e-5, "shape \(shape)")
    }

    @Test func gainScalesAndSeedReproduces() throws {
        var g1 = SeededGenerator(seed: 4)
        var g2 = SeededGenerator(seed: 4)
        let q = try Tensor(orthogonal: [6, 6], generator: &g1)
        let scaled = try Tensor(orthogonal: [6, 6], gain: 2, generator: &g2)
        for i in 0..<q.count { #expect(abs(scaled.scalars[i] - 2 * q.scalars[i]) < 1e-6) }
        // A square orthogonal matrix: every row has norm exactly 1 (2 with the gain).
        #expect(abs(scaled.reshaped([36]).norm() - 2 * Float(6).squareRoot()) < 1e-4)
    }

    @Test func leastSquaresRecoversExactSolution() throws {
        // A is 6 x 3 with full rank and b = A x exactly, so the residual is zero and x is unique.
        let a = Tensor(shape: [6, 3], scalars: [1, 0, 2, 0, 1, -1, 3, 1, 0, 1, 1, 1, -2, 0, 1, 0, 4, 1])
        let x = Tensor([0.5, -2, 3])
        let b = Tensor.matmul(a, x.reshaped([3, 1])).reshaped([6])
        let solved = try Tensor.leastSquares(a, b)
        #expect(solved.shape == [3])
        for i in 0..<3 { #expect(abs(solved.scalars[i] - x.scalars[i]) < 1e-5) }
        // Two right-hand sides at once.
        let xs = Tensor(shape: [3, 2], scalars: [1, -1, 2, 0.25, -3, 4])
        let solvedMany = try Tensor.leastSquares(a, Tensor.matmul(a, xs))
        #expect(solvedMany.shape == [3, 2])
        for i in 0..<6 { #expect(abs(solvedMany.scalars[i] - xs.scalars[i]) < 1e-5) }
    }

    @Test func leastSquaresMinimisesResidualOfOverdeterminedSystem() throws {
        // Fit y = c0 + c1 t to four points; the normal equations give c0 = 0.4, c1 = 1.4 (hand-solved).
        let t: [Float] = [0, 1, 2, 3]
        let y: [Float] = [1, 1, 3, 5]
        let a = Tensor(shape: [4, 2], scalars: t.flatMap { [1, $0] })
        let c = try Tensor.leastSquares(a, Tensor(y))
        #expect(abs(c.scalars[0] - 0.4) < 1e-5)
        #expect(abs(c.scalars[1] - 1.4) < 1e-5)
    }

    @Test func underdeterminedSystemGivesMinimumNorm() throws {
        // x1 + x2 = 2 has minimum-norm solution (1, 1).
        let c = try Tensor.leastSquares(Tensor(shape: [1, 2], scalars: [1, 1]), Tensor([2]))
        #expect(c.shape == [2])
        #expect(abs(c.scalars[0] - 1) < 1e-6 && abs(c.scalars[1] - 1) < 1e-6)
    }

    @Test func badlyScaledFullRankColumnsAreNotMistakenForRankDeficiency() throws {
        // The second column is in units a million times smaller; the rank check must ignore scale.
        let a = Tensor(shape: [4, 2], scalars: [1, 2e-6, 1, -1e-6, 1, 3e-6, 1, 0])
        let x = Tensor([0.5, 2e6])
        let b = Tensor.matmul(a, x.reshaped([2, 1])).reshaped([4])
        let solved = try Tensor.leastSquares(a, b)
        #expect(abs(solved.scalars[0] - 0.5) < 1e-4)
        #expect(abs(solved.scalars[1] - 2e6) < 2e6 * 1e-4)
    }

    @Test func rankDeficientMatrixThrowsLAPACKError() {
        // A zero column: sgels itself reports info > 0.
        let zeroColumn = Tensor(shape: [3, 2], scalars: [1, 0, 2, 0, 3, 0])
        #expect {
            _ = try Tensor.leastSquares(zeroColumn, Tensor([1, 2, 3]))
        } throws: { error in
            guard let e = error as? LAPACKError else { return false }
            return e.routine == "sgels" && e.info == 2 && "\(e)".contains("sgels") && "\(e)".contains("info = 2")
        }
        // Two equal columns: rounding leaves a tiny nonzero diagonal, caught by the rank check.
        let equalColumns = Tensor(shape: [4, 2], scalars: [0.3, 0.3, 1.7, 1.7, -2.1, -2.1, 0.9, 0.9])
        #expect {
            _ = try Tensor.leastSquares(equalColumns, Tensor([1, 2, 3, 4]))
        } throws: { error in
            guard let e = error as? LAPACKError else { return false }
            return e.routine == "sgels" && e.info == 2 && e.explanation.contains("rank deficient")
        }
    }

    @Test func lapackErrorDescribesIllegalArguments() {
        let e = LAPACKError(routine: "sgeqrf", info: -4)
        #expect(e.description == "LAPACK sgeqrf failed (info = -4): argument 4 had an illegal value")
    }
}
