import Testing
import LARSKernels

/// `gemv`, `axpy`, `scal`, `dot` and `nrm2` of every backend against Double references.
@Suite struct VectorKernelTests {
    static let lengths = [0, 1, 3, 8, 17, 1000, 4099]

    @Test(arguments: lengths)
    func dotMatchesDoubleReference(_ n: Int) {
        let x = TestData.uniform(n, seed: 11 &+ UInt64(n))
        let y = TestData.uniform(n, seed: 12 &+ UInt64(n))
        var reference: Double = 0
        var magnitude: Double = 0
        for i in 0..<n {
            reference += Double(x[i]) * Double(y[i])
            magnitude += abs(Double(x[i]) * Double(y[i]))
        }
        for backend in backendsUnderTest {
            let result = x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    n == 0 ? 0 : backend.dot(n: n, x: px.baseAddress!, y: py.baseAddress!)
                }
            }
            let bound = 2 * Double(n + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
            #expect(abs(Double(result) - reference) <= bound, "\(backend.name) n=\(n): \(result) vs \(reference)")
        }
    }

    @Test(arguments: lengths)
    func nrm2MatchesDoubleReference(_ n: Int) {
        let x = TestData.uniform(n, seed: 21 &+ UInt64(n))
        let reference = x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        for backend in backendsUnderTest where n > 0 {
            let result = backend.nrm2(n: n, x: x)
            #expect(abs(Double(result) - reference) <= 1e-5 * reference, "\(backend.name) n=\(n)")
        }
    }

    @Test func nrm2DoesNotOverflowOrUnderflow() {
        // 1e20 squared is 1e40 > Float.greatestFiniteMagnitude (3.4e38): a naive Float sum of
        // squares is inf. 1e-25 squared (1e-50) is below Float's smallest subnormal: naive gives 0.
        let n = 1000
        let huge = [Float](repeating: 1e20, count: n)
        let tiny = [Float](repeating: 1e-25, count: n)
        // Mixed magnitudes: the small entries must not be lost next to the large one.
        var mixed = [Float](repeating: 3e-20, count: n)
        mixed[0] = 4e-19
        let mixedReference = (Double(4e-19 as Float) * Double(4e-19 as Float)
            + Double(n - 1) * Double(3e-20 as Float) * Double(3e-20 as Float)).squareRoot()
        for backend in backendsUnderTest {
            let big = backend.nrm2(n: n, x: huge)
            #expect(big.isFinite, "\(backend.name): nrm2 overflowed to \(big)")
            #expect(abs(Double(big) - 1e20 * Double(n).squareRoot()) <= 1e-5 * 1e20 * Double(n).squareRoot(), "\(backend.name): \(big)")
            let small = backend.nrm2(n: n, x: tiny)
            let smallReference = Double(1e-25 as Float) * Double(n).squareRoot()
            #expect(abs(Double(small) - smallReference) <= 1e-5 * smallReference, "\(backend.name): \(small)")
            let m = backend.nrm2(n: n, x: mixed)
            #expect(abs(Double(m) - mixedReference) <= 1e-5 * mixedReference, "\(backend.name): \(m)")
        }
    }

    @Test(arguments: lengths)
    func axpyAndScalMatchDoubleReference(_ n: Int) {
        let x = TestData.uniform(n, seed: 31 &+ UInt64(n))
        let y0 = TestData.uniform(n, seed: 32 &+ UInt64(n))
        let alpha: Float = -1.75
        for backend in backendsUnderTest where n > 0 {
            var y = y0
            backend.axpy(n: n, alpha: alpha, x: x, y: &y)
            var scaled = y0
            backend.scal(n: n, alpha: alpha, x: &scaled)
            for i in 0..<n {
                let expected = Double(y0[i]) + Double(alpha) * Double(x[i])
                #expect(abs(Double(y[i]) - expected) <= 4e-7 * (abs(Double(y0[i])) + abs(Double(alpha * x[i]))), "\(backend.name) axpy[\(i)]")
                #expect(scaled[i] == alpha * y0[i], "\(backend.name) scal[\(i)]")
            }
        }
    }

    @Test(arguments: [(1, 1), (1, 9), (7, 1), (5, 3), (33, 70), (129, 31)])
    func gemvMatchesDoubleReference(_ shape: (Int, Int)) {
        let (m, n) = shape
        let lda = n + 3
        var a = TestData.uniform(m * lda, seed: 41 &+ UInt64(m * 100 + n))
        for i in 0..<m { for j in n..<lda { a[i * lda + j] = .nan } }  // padding must not be read
        for trans in [false, true] {
            let xCount = trans ? m : n
            let yCount = trans ? n : m
            let x = TestData.uniform(xCount, seed: 42)
            let y0 = TestData.uniform(yCount, seed: 43)
            let (alpha, beta): (Float, Float) = (1.5, -0.5)
            var expected = [Double](repeating: 0, count: yCount)
            var magnitude = [Double](repeating: 0, count: yCount)
            for i in 0..<m {
                for j in 0..<n {
                    let product = Double(a[i * lda + j]) * Double(trans ? x[i] : x[j])
                    expected[trans ? j : i] += product
                    magnitude[trans ? j : i] += abs(product)
                }
            }
            for backend in backendsUnderTest {
                var y = y0
                backend.gemv(trans: trans, m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: &y)
                for r in 0..<yCount {
                    let want = Double(alpha) * expected[r] + Double(beta) * Double(y0[r])
                    let scale = Double(abs(alpha)) * magnitude[r] + Double(abs(beta * y0[r]))
                    let bound = 2 * Double(max(m, n) + 2) * Double(Float.ulpOfOne) * scale + 1e-30
                    #expect(abs(Double(y[r]) - want) <= bound, "\(backend.name) trans=\(trans) m=\(m) n=\(n) y[\(r)]")
                }
            }
        }
    }
}
