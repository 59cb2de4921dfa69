import Foundation
import SwiftLARS

/// The framework-overhead rows: the same OpenBLAS product reached three ways, timed interleaved
/// so that the shared machine's drift hits all of them alike.
///
/// - `openblas` is the kernel interface, `OpenBLASBackend().gemm(...)`, which is what the layers
///   call: argument checks, then `cblas_sgemm`.
/// - `openblas via any KernelBackend` is the same call through an existential, as layers make it
///   (`context.backend`).
/// - `openblas via Tensor.matmul` adds what a user-level call adds: a zero-filled output tensor
///   and the copy-on-write checks of three tensors.
///
/// The bench may not import CBLAS (only LARSKernels does), so the kernel-interface call is the
/// baseline; there is no direct `cblas_sgemm` row.
enum OverheadGroup {
    static func shapes(quick: Bool) -> [Int] { quick ? [32, 256] : [16, 32, 64, 128, 256, 1024] }

    static func run(_ bench: BenchRunner) throws {
        for threads in bench.threadCounts {
            BLASControl.setThreads(threads)
            for size in shapes(quick: bench.quick) { try run(size: size, threads: threads, bench: bench) }
        }
    }

    static func run(size: Int, threads: Int, bench: BenchRunner) throws {
        let shape = GEMMShape.square(size)
        let a = FloatBuffer(count: size * size, seed: 31)
        let b = FloatBuffer(count: size * size, seed: 32)
        let c = FloatBuffer(count: size * size, value: 0)
        let blas = OpenBLASBackend()
        let existential: any KernelBackend = blas
        try GEMMCheck.verify(shape, backend: blas, backendName: bench.openBLASName, threads: threads, a: a, b: b, c: c)
        var generator = SeededGenerator(seed: 33)
        let ta = Tensor(uniform: [size, size], lower: -1, upper: 1, generator: &generator)
        let tb = Tensor(uniform: [size, size], lower: -1, upper: 1, generator: &generator)
        // Batch small products so one sample lasts about a millisecond.
        let calls = max(1, Int(2e6 / shape.flops))

        let variants: [(String, () -> Void)] = [
            ("\(bench.openBLASName)", {
                for _ in 0..<calls {
                    blas.gemm(transA: false, transB: false, m: size, n: size, k: size, a: a.constPointer, b: b.constPointer, c: c.pointer)
                }
            }),
            ("\(bench.openBLASName) via any KernelBackend", {
                for _ in 0..<calls {
                    existential.gemm(transA: false, transB: false, m: size, n: size, k: size, a: a.constPointer, b: b.constPointer, c: c.pointer)
                }
            }),
            ("\(bench.openBLASName) via Tensor.matmul", {
                for _ in 0..<calls { blackHole(Tensor.matmul(ta, tb, backend: blas)) }
            }),
        ]
        // Interleave: one sample of each variant per round, many rounds.
        let rounds = bench.quick ? 15 : 41
        var samples = [[Double]](repeating: [], count: variants.count)
        for (_, body) in variants { body() }
        for _ in 0..<rounds {
            for (i, (_, body)) in variants.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                samples[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
        }
        let label = "overhead square \(size)"
        let shapeText = shape.description + (calls > 1 ? " (x\(calls) calls)" : "")
        for (i, (name, _)) in variants.enumerated() {
            let timing = TimingSample(times: samples[i])
            bench.add(BenchRow(group: "overhead", name: label, shape: shapeText, backend: name, threads: threads,
                               timing: timing, work: shape.flops * Double(calls), unit: .gflops))
        }
    }
}
