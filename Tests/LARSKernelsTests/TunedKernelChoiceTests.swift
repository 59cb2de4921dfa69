import Testing
@testable import LARSKernels

/// Both micro-kernels of the tuned gemm, whichever one this build would pick, against the
/// naive oracle (the FMA kernel is slow without FMA in the target, but still correct).
@Suite struct TunedKernelChoiceTests {
    @Test(arguments: [MicroKernelChoice.mulAdd6x8, .fma6x16])
    func eachMicroKernelMatchesOracle(_ kernel: MicroKernelChoice) {
        for g in gemmCases where g.m * g.n * g.k < 200_000 {
            let seed = UInt64(g.m * 31 + g.n * 7 + g.k)
            let (reference, magnitude, _) = runGEMM(SwiftBackend.naive, g, seed: seed)
            let (c, _, paddingIntact) = runGEMM(ForcedKernelBackend(kernel: kernel, threads: 2), g, seed: seed)
            let bound = 2 * Float(g.k + 2) * floatEpsilon
            var worst: Float = 0
            for i in c.indices {
                let error = abs(c[i] - reference[i]) / max(magnitude[i], Float.leastNormalMagnitude)
                worst = max(worst, error.isNaN ? .infinity : error)
            }
            #expect(worst <= bound && paddingIntact, "\(kernel.name) \(g): relative error \(worst)")
        }
    }

    @Test func backendReportsAKernelName() {
        #expect([MulAdd6x8.name, FMA6x16.name].contains(SwiftBackend.tunedKernelName))
    }
}

/// The tuned gemm with a chosen micro-kernel; the other operations are the Swift backend's.
struct ForcedKernelBackend: KernelBackend {
    let kernel: MicroKernelChoice
    let threads: Int
    var name: String { "tuned-\(kernel.name)" }

    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        TunedGEMM.run(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc, threads: threads, kernel: kernel)
    }
    func gemv(trans: Bool, m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
        SwiftBackend.naive.gemv(trans: trans, m: m, n: n, alpha: alpha, a: a, lda: lda, x: x, beta: beta, y: y)
    }
    func axpy(n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) { SwiftBackend.naive.axpy(n: n, alpha: alpha, x: x, y: y) }
    func scal(n: Int, alpha: Float, x: UnsafeMutablePointer<Float>) { SwiftBackend.naive.scal(n: n, alpha: alpha, x: x) }
    func dot(n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float { SwiftBackend.naive.dot(n: n, x: x, y: y) }
    func nrm2(n: Int, x: UnsafePointer<Float>) -> Float { SwiftBackend.naive.nrm2(n: n, x: x) }
}
