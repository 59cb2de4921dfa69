import Foundation
import Testing
import LARSKernels

/// Per-chunk results and the thread each chunk ran on, written into preallocated slots.
private final class ChunkLog: @unchecked Sendable {
    let runs: UnsafeMutablePointer<Int>
    let threads: UnsafeMutablePointer<UInt>
    let count: Int
    init(_ count: Int) {
        self.count = count
        runs = .allocate(capacity: count)
        runs.initialize(repeating: 0, count: count)
        threads = .allocate(capacity: count)
        threads.initialize(repeating: 0, count: count)
    }
    deinit {
        runs.deallocate()
        threads.deallocate()
    }
    func record(_ chunk: Int) {
        runs[chunk] += 1
        threads[chunk] = UInt(bitPattern: Int(bitPattern: pthread_self()))
    }
    var runCounts: [Int] { Array(UnsafeBufferPointer(start: runs, count: count)) }
    var distinctThreads: Int { Set(UnsafeBufferPointer(start: threads, count: count)).count }
}

@Suite("Parallel.forEach on each pool")
struct ParallelPoolTests {
    @Test("every chunk runs exactly once, on both pools, for counts around the thread count",
          arguments: [ThreadPool.dispatch, .openMP])
    func everyChunkOnce(_ pool: ThreadPool) {
        for count in [1, 2, 3, 7, 64, 1001] {
            for threads in [1, 2, 3] {
                let log = ChunkLog(count)
                Parallel.forEach(count, threads: threads, pool: pool) { log.record($0) }
                #expect(log.runCounts == [Int](repeating: 1, count: count), "count \(count), threads \(threads)")
            }
        }
    }

    @Test("OpenMP work runs on two threads when oneDNN (and its OpenMP) is compiled in, inline with one")
    func openMPUsesTheTeam() {
        let slow: @Sendable (Int) -> Void = { _ in usleep(2000) }  // long enough that both members get work
        let log = ChunkLog(8)
        Parallel.forEach(8, threads: 2, pool: .openMP) { log.record($0); slow($0) }
        // Static halves: the caller runs chunks 0-3, the team's other member 4-7.
        if ConvolutionEngine.isOneDNNAvailable { #expect(log.distinctThreads == 2) }
        #expect(log.runCounts == [Int](repeating: 1, count: 8))
        let inline = ChunkLog(8)
        let caller = UInt(bitPattern: Int(bitPattern: pthread_self()))
        Parallel.forEach(8, threads: 1, pool: .openMP) { inline.record($0) }
        #expect(inline.distinctThreads == 1)
        #expect(UnsafeBufferPointer(start: inline.threads, count: 8).allSatisfy { $0 == caller })
    }

    @Test("a reduction per chunk gives the same bits on both pools")
    func sameResults() {
        let values = (0..<10_000).map { Float(sin(Double($0))) }
        func sums(_ pool: ThreadPool) -> [Float] {
            let out = UnsafeMutablePointer<Float>.allocate(capacity: 16)
            defer { out.deallocate() }
            values.withUnsafeBufferPointer { v in
                let base = v.baseAddress!
                let target = SendablePointer(out)
                let source = SendableConstPointer(base)
                Parallel.forEach(16, threads: 2, pool: pool) { chunk in
                    var s: Float = 0
                    for i in stride(from: chunk, to: 10_000, by: 16) { s += source.base[i] * source.base[i] }
                    target.base[chunk] = s
                }
            }
            return Array(UnsafeBufferPointer(start: out, count: 16))
        }
        #expect(sums(.openMP) == sums(.dispatch))
    }
}
