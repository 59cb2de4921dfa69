import Foundation

/// The distribution of one measured cell: wall-clock seconds per call.
struct TimingSample: Codable, Sendable {
    /// Median seconds per call (the figure the table reports).
    var median: Double
    /// Fastest call.
    var min: Double
    /// Slowest call.
    var max: Double
    /// First quartile.
    var q1: Double
    /// Third quartile.
    var q3: Double
    /// Number of timed calls (after warm-up).
    var reps: Int
}

extension TimingSample {
    /// The distribution of `times` (seconds, at least one), with the bench's one quantile
    /// definition: linear interpolation between order statistics.
    init(times unsorted: [Double]) {
        let times = unsorted.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(times.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = Swift.min(lower + 1, times.count - 1)
            let fraction = position - Double(lower)
            return times[lower] * (1 - fraction) + times[upper] * fraction
        }
        self.init(
            median: quantile(0.5), min: times.first!, max: times.last!,
            q1: quantile(0.25), q3: quantile(0.75), reps: times.count)
    }
}

/// How many times to run a cell: warm-up calls first (untimed, they fault in pages, fill caches and
/// start OpenBLAS's thread pool), then timed calls until `reps` are done or `budget` seconds have
/// passed — whichever comes first, but never fewer than `minimumReps` so a median means something.
struct TimingPlan: Sendable {
    var warmup: Int
    var reps: Int
    var minimumReps: Int
    var budget: Double

    /// Runs `body` by the plan and returns the distribution of its wall-clock time.
    func measure(_ body: () -> Void) -> TimingSample {
        for _ in 0..<warmup { body() }
        var times: [Double] = []
        times.reserveCapacity(reps)
        var spent = 0.0
        while times.count < reps {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            times.append(seconds)
            spent += seconds
            if spent > budget && times.count >= minimumReps { break }
        }
        return TimingSample(times: times)
    }
}

/// Keeps a computed value alive so the optimiser cannot drop the call that produced it.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
