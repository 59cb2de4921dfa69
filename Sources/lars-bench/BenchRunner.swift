import Foundation
import SwiftLARS

/// A check that failed: the run stops and names the row and the disagreement.
struct BenchCheckError: Error, CustomStringConvertible {
    let message: String
    var description: String { "lars-bench check failed: \(message)" }
}

/// Collects rows and holds what every group needs: the timing plans, the thread counts to run,
/// which backends to include, and OpenBLAS's thread control.
final class BenchRunner {
    /// Timing for cheap cells (kernels).
    let plan: TimingPlan
    /// Timing for cells that take seconds (layers, training steps).
    let heavyPlan: TimingPlan
    /// Fewer sizes and repetitions.
    let quick: Bool
    /// Thread counts to run, such as `[1, 2]`.
    let threadCounts: [Int]
    /// Only OpenBLAS rows (the child run at the generic core).
    let openBLASOnly: Bool
    /// The name OpenBLAS rows carry: `openblas`, or `openblas-generic` in the child run.
    let openBLASName: String
    /// Largest gemm (in FLOPs) the naive kernel is timed on.
    let naiveFLOPLimit: Double
    /// All rows so far, in order.
    private(set) var rows: [BenchRow] = []
    /// Print each row as it is measured.
    let verbose: Bool

    init(quick: Bool, threadCounts: [Int], openBLASOnly: Bool, verbose: Bool) {
        self.quick = quick
        self.threadCounts = threadCounts
        self.openBLASOnly = openBLASOnly
        self.openBLASName = openBLASOnly ? "openblas-generic" : "openblas"
        self.verbose = verbose
        if quick {
            plan = TimingPlan(warmup: 1, reps: 5, minimumReps: 3, budget: 0.25)
            heavyPlan = TimingPlan(warmup: 1, reps: 3, minimumReps: 2, budget: 0.8)
            naiveFLOPLimit = 2 * 256 * 256 * 256 * 1.01
        } else {
            plan = TimingPlan(warmup: 2, reps: 15, minimumReps: 5, budget: 1.5)
            heavyPlan = TimingPlan(warmup: 1, reps: 7, minimumReps: 3, budget: 6)
            naiveFLOPLimit = 2 * 512 * 512 * 512 * 1.01
        }
    }

    /// Appends a row (and prints a progress line).
    func add(_ row: BenchRow) {
        rows.append(row)
        if verbose {
            let rate = row.rate.map { String(format: "%.2f %@", $0, row.unit.rawValue) } ?? "skipped: \(row.skipped ?? "")"
            FileHandle.standardError.write(
                "  [\(row.group)] \(row.name) \(row.shape) \(row.backend) \(row.threads)T: \(rate)\n".data(using: .utf8)!)
        }
    }

    /// Adds a remark to the most recent row.
    func annotateLast(_ note: String) {
        guard !rows.isEmpty else { return }
        rows[rows.count - 1].note = note
    }

    /// Appends rows measured elsewhere (the generic-core child run).
    func append(contentsOf more: [BenchRow]) { rows.append(contentsOf: more) }

    /// Times `body` with `plan` and records it as a row.
    @discardableResult
    func time(
        _ group: String, _ name: String, shape: String, backend: String, threads: Int,
        work: Double, unit: RateUnit, flopsPerImage: Double? = nil, plan: TimingPlan? = nil,
        _ body: () -> Void
    ) -> BenchRow {
        let sample = (plan ?? self.plan).measure(body)
        let row = BenchRow(
            group: group, name: name, shape: shape, backend: backend, threads: threads,
            timing: sample, work: work, unit: unit, flopsPerImage: flopsPerImage)
        add(row)
        return row
    }

    /// Records a skipped cell.
    func skip(_ group: String, _ name: String, shape: String, backend: String, threads: Int, unit: RateUnit, _ reason: String) {
        add(BenchRow(group: group, name: name, shape: shape, backend: backend, threads: threads, unit: unit, skipped: reason))
    }

    /// The gemm backends to run at `threads`: OpenBLAS (its thread count set process-wide),
    /// the tuned Swift kernel with as many threads, and the naive oracle on one thread only.
    func gemmBackends(threads: Int) -> [(name: String, backend: any KernelBackend)] {
        BLASControl.setThreads(threads)
        var list: [(String, any KernelBackend)] = [(openBLASName, OpenBLASBackend())]
        if !openBLASOnly {
            if threads == 1 { list.append(("swift-naive", SwiftBackend(gemm: .naive))) }
            list.append(("swift-tuned", SwiftBackend(gemm: .tuned, threads: threads)))
        }
        return list
    }
}
