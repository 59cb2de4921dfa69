import Foundation
import SwiftLARS

/// The `vector` group: `nrm2`, `dot`, `axpy` and `sqrt(dot(x, x))` (the fast but overflow-prone
/// alternative to `nrm2`) on vectors the size of ResNet-20's layers and on 10M floats, in GB/s.
enum VectorGroup {
    /// ResNet-20 parameter tensors: stem 16x3x3x3, stage weights 16x16x9, 32x16x9, 32x32x9,
    /// 64x32x9, 64x64x9, and dense 10x64; then the 10M-float stream.
    static func sizes(quick: Bool) -> [Int] {
        quick ? [2304, 36864, 10_000_000] : [432, 640, 2304, 4608, 9216, 18432, 36864, 10_000_000]
    }

    static func run(_ bench: BenchRunner) throws {
        for n in sizes(quick: bench.quick) { try run(n: n, bench: bench) }
    }

    static func run(n: Int, bench: BenchRunner) throws {
        let x = FloatBuffer(count: n, seed: 21)
        let y = FloatBuffer(count: n, seed: 22)
        // Short vectors are timed in batches of calls so one sample lasts well above the clock's
        // resolution; `calls` is the batch size.
        let calls = max(1, 4_000_000 / n)
        let shape = "n=\(n)" + (calls > 1 ? " (x\(calls) calls)" : "")

        for threads in bench.threadCounts {
            BLASControl.setThreads(threads)
            var backends: [(String, any KernelBackend)] = [(bench.openBLASName, OpenBLASBackend())]
            // The Swift vector kernels are single-threaded and shared by both Swift backends.
            if !bench.openBLASOnly && threads == 1 { backends.append(("swift", SwiftBackend.tuned)) }
            for (name, backend) in backends {
                try checkReductions(backend, name: name, x: x, y: y, n: n)
                try checkAXPY(backend, name: name, n: n)
                timeKernels(bench, backend, name: name, x: x, y: y, n: n, calls: calls, shape: shape, threads: threads)
            }
        }
    }

    /// `dot`, `nrm2` and `sqrt(dot(x, x))` against the Double reference, relative to
    /// `|x||y|` (which scales `dot`). The reference is recomputed each time because the timed
    /// axpy moves y.
    static func checkReductions(_ backend: any KernelBackend, name: String, x: FloatBuffer, y: FloatBuffer, n: Int) throws {
        var refDot = 0.0, refSquares = 0.0
        for i in 0..<n {
            refDot += Double(x.pointer[i]) * Double(y.pointer[i])
            refSquares += Double(x.pointer[i]) * Double(x.pointer[i])
        }
        let refNorm = refSquares.squareRoot()
        let dot = Double(backend.dot(n: n, x: x.constPointer, y: y.constPointer))
        let norm = Double(backend.nrm2(n: n, x: x.constPointer))
        let fast = Double(backend.dot(n: n, x: x.constPointer, y: x.constPointer)).squareRoot()
        // Float accumulation over n terms (Swift's dot keeps 8 Float partial sums) loses
        // accuracy roughly like sqrt(n) * eps; a wrong kernel is off by O(1).
        let scale = refSquares  // |x|^2 ~ |x||y| for these data
        let tolerance = 1e-5 + 1e-6 * Double(n).squareRoot()
        guard abs(dot - refDot) <= tolerance * scale, abs(norm - refNorm) <= 1e-5 * refNorm,
              abs(fast - refNorm) <= tolerance * refNorm else {
            throw BenchCheckError(message: "\(name) vector kernels n=\(n): dot \(dot) vs \(refDot), nrm2 \(norm) vs \(refNorm), sqrt(dot) \(fast)")
        }
    }

    /// The nrm2, sqrt(dot(x,x)), dot and axpy rows, each sample `calls` calls.
    static func timeKernels(
        _ bench: BenchRunner, _ backend: any KernelBackend, name: String, x: FloatBuffer, y: FloatBuffer, n: Int,
        calls: Int, shape: String, threads: Int
    ) {
        let floats = Double(n * calls) * 4
        bench.time("vector", "nrm2", shape: shape, backend: name, threads: threads, work: floats, unit: .gbytes) {
            var s: Float = 0
            for _ in 0..<calls { s += backend.nrm2(n: n, x: x.constPointer) }
            blackHole(s)
        }
        bench.time("vector", "sqrt(dot(x,x))", shape: shape, backend: name, threads: threads, work: floats, unit: .gbytes) {
            var s: Float = 0
            for _ in 0..<calls { s += backend.dot(n: n, x: x.constPointer, y: x.constPointer).squareRoot() }
            blackHole(s)
        }
        bench.time("vector", "dot", shape: shape, backend: name, threads: threads, work: 2 * floats, unit: .gbytes) {
            var s: Float = 0
            for _ in 0..<calls { s += backend.dot(n: n, x: x.constPointer, y: y.constPointer) }
            blackHole(s)
        }
        // Reads x and y, writes y; a tiny alpha keeps y bounded over many calls.
        bench.time("vector", "axpy", shape: shape, backend: name, threads: threads, work: 3 * floats, unit: .gbytes) {
            for _ in 0..<calls { backend.axpy(n: n, alpha: 1e-7, x: x.constPointer, y: y.pointer) }
        }
    }

    /// `y += alpha x` compared element by element with the same update done in Double.
    static func checkAXPY(_ backend: any KernelBackend, name: String, n: Int) throws {
        let m = min(n, 100_000)
        let x = FloatBuffer(count: m, seed: 23)
        let y = FloatBuffer(count: m, seed: 24)
        let expected = (0..<m).map { Double(y.pointer[$0]) + 0.75 * Double(x.pointer[$0]) }
        backend.axpy(n: m, alpha: 0.75, x: x.constPointer, y: y.pointer)
        for i in 0..<m where abs(Double(y.pointer[i]) - expected[i]) > 1e-6 * (1 + abs(expected[i])) {
            throw BenchCheckError(message: "\(name) axpy n=\(m): y[\(i)] = \(y.pointer[i]), expected \(expected[i])")
        }
    }
}
