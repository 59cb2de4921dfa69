import Testing
import LARSKernels
import LARSCore

/// One `gemm` problem: sizes, transposes, padding of the leading dimensions, and scalars.
struct GEMMCase: CustomStringConvertible, Sendable {
    var m: Int, n: Int, k: Int
    var transA = false, transB = false
    /// Extra elements per stored row beyond the width (0 = dense).
    var padA = 0, padB = 0, padC = 0
    var alpha: Float = 1, beta: Float = 0

    var description: String {
        "m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB) pad=(\(padA),\(padB),\(padC)) alpha=\(alpha) beta=\(beta)"
    }

    var rowsA: Int { transA ? k : m }
    var colsA: Int { transA ? m : k }
    var rowsB: Int { transB ? n : k }
    var colsB: Int { transB ? k : n }
    var lda: Int { colsA + padA }
    var ldb: Int { colsB + padB }
    var ldc: Int { n + padC }
}

/// Runs `gemm` of `backend` on the case's seeded inputs. Padding holds NaN, so a kernel that
/// reads past a row's width poisons its result, and C's padding must come back untouched.
func runGEMM(_ backend: any KernelBackend, _ g: GEMMCase, seed: UInt64) -> (c: [Float], magnitude: [Float], paddingIntact: Bool) {
    func padded(_ rows: Int, _ cols: Int, _ ld: Int, seed: UInt64) -> [Float] {
        let values = TestData.uniform(rows * cols, seed: seed)
        var out = [Float](repeating: .nan, count: max(1, rows * ld))
        for r in 0..<rows { for c in 0..<cols { out[r * ld + c] = values[r * cols + c] } }
        return out
    }
    let a = padded(g.rowsA, g.colsA, g.lda, seed: seed)
    let b = padded(g.rowsB, g.colsB, g.ldb, seed: seed &+ 1)
    // With beta == 0, BLAS must not read C: start it as NaN to check that.
    var c = g.beta == 0
        ? [Float](repeating: .nan, count: max(1, g.m * g.ldc))
        : padded(g.m, g.n, g.ldc, seed: seed &+ 2)
    let c0 = c
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                backend.gemm(
                    transA: g.transA, transB: g.transB, m: g.m, n: g.n, k: g.k,
                    alpha: g.alpha, a: pa.baseAddress!, lda: g.lda, b: pb.baseAddress!, ldb: g.ldb,
                    beta: g.beta, c: pc.baseAddress!, ldc: g.ldc)
            }
        }
    }
    // The magnitude |alpha| |op(A)| |op(B)| + |beta| |C0| scales the rounding error of each element.
    var magnitude = [Float](repeating: 0, count: g.m * g.n)
    var dense = [Float](repeating: 0, count: g.m * g.n)
    var paddingIntact = true
    for i in 0..<g.m {
        for j in 0..<g.n {
            var sum: Double = 0
            for p in 0..<g.k {
                let x = g.transA ? a[p * g.lda + i] : a[i * g.lda + p]
                let y = g.transB ? b[j * g.ldb + p] : b[p * g.ldb + j]
                sum += abs(Double(x) * Double(y))
            }
            let old = g.beta == 0 ? 0 : abs(Double(g.beta) * Double(c0[i * g.ldc + j]))
            magnitude[i * g.n + j] = Float(abs(Double(g.alpha)) * sum + old)
            dense[i * g.n + j] = c[i * g.ldc + j]
        }
        for j in g.n..<g.ldc {
            let (now, before) = (c[i * g.ldc + j], c0[i * g.ldc + j])
            if !(now == before || (now.isNaN && before.isNaN)) { paddingIntact = false }
        }
    }
    return (dense, magnitude, paddingIntact)
}

/// Float's unit roundoff.
let floatEpsilon = Float.ulpOfOne / 2

/// The cases: sizes of 1, odd and prime sizes, non-square, sizes that cross the tuned kernel's
/// register tiles and cache blocks, all four transposes, padded leading dimensions, and
/// alpha/beta other than 1/0.
let gemmCases: [GEMMCase] = {
    let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 9, 4), (7, 1, 5), (3, 5, 1), (2, 3, 4), (5, 7, 3), (17, 13, 29), (31, 33, 16),
        (8, 16, 64), (65, 3, 130), (3, 70, 67), (97, 41, 300), (130, 270, 33),
    ]
    var cases: [GEMMCase] = []
    for (index, (m, n, k)) in shapes.enumerated() {
        for transA in [false, true] {
            for transB in [false, true] {
                var g = GEMMCase(m: m, n: n, k: k, transA: transA, transB: transB)
                // Rotate through paddings and scalars so every combination meets several of them.
                let variant = (index + (transA ? 1 : 0) + (transB ? 2 : 0)) % 4
                switch variant {
                case 0: break
                case 1: g.padA = 3; g.padB = 1; g.padC = 2
                case 2: g.alpha = -0.75; g.beta = 0.5
                default: g.padA = 1; g.padB = 5; g.padC = 7; g.alpha = 2.5; g.beta = -1.25
                }
                cases.append(g)
            }
        }
    }
    return cases
}()

@Suite struct GEMMAgreementTests {
    @Test(arguments: gemmCases)
    func backendsAgreeWithNaiveOracle(_ g: GEMMCase) {
        let seed = UInt64(g.m * 1_000_003 + g.n * 1_009 + g.k) &+ (g.transA ? 7 : 0) &+ (g.transB ? 13 : 0)
        let (reference, magnitude, _) = runGEMM(SwiftBackend.naive, g, seed: seed)
        // Float accumulation of k products: error below about k * eps * magnitude; allow 2x.
        let bound = 2 * Float(g.k + 2) * floatEpsilon
        for backend in backendsUnderTest where backend.name != "swift-naive" {
            let (c, _, paddingIntact) = runGEMM(backend, g, seed: seed)
            #expect(paddingIntact, "\(backend.name) \(g): wrote into C's padding")
            var worst: Float = 0
            for i in c.indices {
                let error = abs(c[i] - reference[i]) / max(magnitude[i], Float.leastNormalMagnitude)
                worst = max(worst, error.isNaN ? .infinity : error)
            }
            #expect(worst <= bound, "\(backend.name) \(g): relative error \(worst) > \(bound)")
        }
    }

    @Test func naiveOracleMatchesHandComputedProducts() {
        // A = [[1, 2, 3], [4, 5, 6]] stored with lda 4 (last column is padding).
        let a: [Float] = [1, 2, 3, -99, 4, 5, 6, -99]
        // B = [[1, 0], [0, 1], [2, -1]].
        let b: [Float] = [1, 0, 0, 1, 2, -1]
        var c: [Float] = [10, 20, 30, 40]
        SwiftBackend.naive.gemm(
            transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 2, a: a, lda: 4, b: b, ldb: 2,
            beta: 0.5, c: &c, ldc: 2)
        // A*B = [[7, -1], [16, -1]]; 2*AB + 0.5*C0.
        #expect(c == [19, 8, 47, 18])

        // op(A) = A^T of the 3x2 matrix stored [[1, 4], [2, 5], [3, 6]] is the same A.
        let at: [Float] = [1, 4, 2, 5, 3, 6]
        // op(B) = B^T where B is stored 2x3 [[1, 0, 2], [0, 1, -1]].
        let bt: [Float] = [1, 0, 2, 0, 1, -1]
        var d = [Float](repeating: .nan, count: 4)
        SwiftBackend.naive.gemm(
            transA: true, transB: true, m: 2, n: 2, k: 3, alpha: 1, a: at, lda: 2, b: bt, ldb: 3,
            beta: 0, c: &d, ldc: 2)
        #expect(d == [7, -1, 16, -1])
    }

    @Test func emptyInnerDimensionScalesC() {
        for backend in backendsUnderTest {
            var c: [Float] = [1, 2, 3, 4]
            let dummy: [Float] = [0]
            backend.gemm(
                transA: false, transB: false, m: 2, n: 2, k: 0, alpha: 1, a: dummy, lda: 1, b: dummy, ldb: 2,
                beta: 3, c: &c, ldc: 2)
            #expect(c == [3, 6, 9, 12], "\(backend.name)")
        }
    }
}
