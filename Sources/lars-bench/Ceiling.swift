import CBLAS
import Foundation
import SwiftLARS

/// The machine's ceilings, measured in the same run as the rows they are compared with.
struct Ceiling: Codable, Sendable {
    /// OpenBLAS sgemm 2048^3 in 1e9 FLOP/s, by thread count.
    var gemm: [Int: Double] = [:]
    /// Streaming triad `a = b + s * c` over buffers far larger than the caches, in 1e9 B/s, by
    /// thread count (three 4-byte streams per element; write-allocate traffic not counted).
    var stream: [Int: Double] = [:]
    /// Fused multiply-adds alone (no memory), 8-lane AVX2, in 1e9 FLOP/s, by thread count: the
    /// arithmetic peak a kernel's GFLOP/s is a share of; empty without AVX2 and FMA. Measured,
    /// not computed from the nominal clock, which a boosting or virtualised core does not keep.
    var fma: [Int: Double] = [:]

    /// The ceiling that `row` is a share of, at its thread count (or the nearest measured one).
    func reference(for row: BenchRow) -> Double? {
        let table = row.unit == .gbytes ? stream : gemm
        if let exact = table[row.threads] { return exact }
        return table.max { $0.key < $1.key }?.value
    }
}

/// Measures the ceilings: OpenBLAS gemm 2048x2048 with one thread and with all, the streaming
/// memory bandwidth with one thread and with all, and the FMA peak.
enum CeilingGroup {
    static func run(_ bench: BenchRunner, threads: [Int]) throws -> Ceiling {
        var ceiling = Ceiling()
        let shape = GEMMShape(label: "ceiling gemm 2048", transA: false, transB: false, m: 2048, n: 2048, k: 2048)
        let a = FloatBuffer(count: 2048 * 2048, seed: 11)
        let b = FloatBuffer(count: 2048 * 2048, seed: 12)
        let c = FloatBuffer(count: 2048 * 2048, value: 0)
        let blas = OpenBLASBackend()
        for t in threads {
            BLASControl.setThreads(t)
            try GEMMCheck.verify(shape, backend: blas, backendName: bench.openBLASName, threads: t, a: a, b: b, c: c)
            let row = bench.time("ceiling", shape.label, shape: shape.description, backend: bench.openBLASName,
                                 threads: t, work: shape.flops, unit: .gflops) {
                blas.gemm(transA: false, transB: false, m: 2048, n: 2048, k: 2048, a: a.constPointer, b: b.constPointer, c: c.pointer)
            }
            ceiling.gemm[t] = row.rate
        }
        // 3 x 64 MiB: far beyond any last-level cache, so the triad streams from DRAM.
        let count = 16 << 20
        let x = FloatBuffer(count: count, value: 0)
        let y = FloatBuffer(count: count, seed: 13)
        let z = FloatBuffer(count: count, seed: 14)
        for t in threads {
            let row = bench.time("ceiling", "stream triad", shape: "3 x \(count) floats", backend: "swift",
                                 threads: t, work: Double(12 * count), unit: .gbytes) {
                triad(x.pointer, y.constPointer, z.constPointer, count: count, threads: t)
            }
            ceiling.stream[t] = row.rate
        }
        #if arch(x86_64)
            guard CPUInfo.current().hasAVX2 else { return ceiling }
            // 10M rounds of ten 8-lane FMAs: 1.6 GFLOP per thread, tens of milliseconds.
            let rounds = 10_000_000
            for t in threads {
                let row = bench.time(
                    "ceiling", "FMA peak", shape: "10 chains x 8 lanes, \(rounds) rounds", backend: "avx2+fma",
                    threads: t, work: Double(t * rounds * 160), unit: .gflops
                ) {
                    Parallel.forEach(t, threads: t) { _ in
                        var state: [Float] = (0..<10).map { Float($0) } + [0.999, 0.001]
                        lars_fma_probe(rounds, &state)
                        blackHole(state[0])
                    }
                }
                ceiling.fma[t] = row.rate
            }
        #endif
        return ceiling
    }

    /// `a[i] = b[i] + 0.5 * c[i]`, the range split evenly between `threads`.
    static func triad(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                      count: Int, threads: Int) {
        let pa = SendablePointer(a), pb = SendableConstPointer(b), pc = SendableConstPointer(c)
        let chunks = threads * 4
        Parallel.forEach(chunks, threads: threads) { chunk in
            let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
            let (a, b, c) = (pa.base, pb.base, pc.base)
            for i in start..<end { a[i] = b[i] + 0.5 * c[i] }
        }
    }
}
