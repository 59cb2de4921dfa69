#if canImport(Glibc)
import Glibc
#endif
import LARSDistributed

/// Times `allReduceSum` on a buffer of `count` Floats: each timed call is preceded by a barrier,
/// so the figure is the collective itself rather than waiting for a slower rank. Prints rank 0's
/// median, 90th percentile, mean and minimum in milliseconds (the mean suffers most from a busy
/// shared machine).
func runAllReduceBench(count: Int, repeats: Int, warmup: Int, group: MPIProcessGroup) throws {
    var buffer = [Float](repeating: 1, count: count)
    var times: [Double] = []
    for iteration in 0..<(warmup + repeats) {
        try group.barrier()
        let start = MPIProcessGroup.now()
        try buffer.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        let elapsed = MPIProcessGroup.now() - start
        if iteration >= warmup { times.append(elapsed) }
        // Keep the values small so repeated sums stay exact.
        for i in buffer.indices { buffer[i] = 1 }
    }
    guard group.rank == 0 else { return }
    times.sort()
    let median = times[times.count / 2] * 1000
    let mean = times.reduce(0, +) / Double(times.count) * 1000
    let p90 = times[min(times.count - 1, times.count * 9 / 10)] * 1000
    let megabytes = Double(count * 4) / 1_000_000
    print(
        "allreduce ranks=\(group.size) floats=\(count) (\(format2(megabytes)) MB): median \(format3(median)) ms, p90 \(format3(p90)) ms, mean \(format3(mean)) ms, min \(format3(times[0] * 1000)) ms over \(repeats) calls")
}

func format3(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 1000) }
func format2(_ x: Double) -> String { String(Double(Int((x * 100).rounded())) / 100) }
