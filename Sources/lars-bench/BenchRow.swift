/// What a row's rate counts.
enum RateUnit: String, Codable, Sendable {
    /// Floating-point operations (multiply and add counted separately) per second, in 1e9.
    case gflops = "GFLOP/s"
    /// Bytes moved to or from memory per second, in 1e9.
    case gbytes = "GB/s"
    /// Training images per second (the row also carries the FLOP rate this implies).
    case images = "images/s"
}

/// One cell of the benchmark: one operation on one shape, run by one backend at one thread count.
struct BenchRow: Codable, Sendable {
    /// `ceiling`, `gemm`, `overhead`, `vector`, `conv`, `optimizer` or `train`.
    var group: String
    /// What ran, such as `square 1024` or `resnet20 stage1 conv fwd`.
    var name: String
    /// The shape in words (`M=16 N=131072 K=144`, `n=10000000`, `batch 128`).
    var shape: String
    /// `openblas`, `openblas-generic`, `swift-naive`, `swift-tuned`, `swift` (vector code shared
    /// by both Swift backends) or a variant such as `openblas+Tensor.matmul`.
    var backend: String
    /// Threads the BLAS or the Swift kernels were allowed to use.
    var threads: Int
    /// Wall-clock distribution per call; nil when the cell was skipped.
    var timing: TimingSample?
    /// Work per call in the row's unit before division by time: FLOPs, bytes or images.
    var workPerCall: Double
    /// The unit of `rate`.
    var unit: RateUnit
    /// For image rows, FLOPs per image (to express them as GFLOP/s against the gemm ceiling).
    var flopsPerImage: Double?
    /// A remark printed after the row (a ratio to a sibling row, what limits it).
    var note: String?
    /// Why the cell was not measured (too slow for the naive kernel, API missing, ...).
    var skipped: String?
    /// Rate of this row divided by OpenBLAS's rate on the same row and thread count.
    var ratioToOpenBLAS: Double?
    /// Rate as a fraction of the measured ceiling at the same thread count (gemm 2048 for FLOP
    /// and image rows, streaming triad for byte rows).
    var ceilingShare: Double?

    /// Median rate in `unit` (1e9 FLOP/s or 1e9 B/s, or images/s).
    var rate: Double? {
        guard let t = timing, t.median > 0 else { return nil }
        return unit == .images ? workPerCall / t.median : workPerCall / t.median / 1e9
    }

    /// Rate at the fastest and slowest call, for the spread column.
    var rateRange: (low: Double, high: Double)? {
        guard let t = timing, t.min > 0 else { return nil }
        let scale = unit == .images ? 1.0 : 1e-9
        return (workPerCall / t.max * scale, workPerCall / t.min * scale)
    }

    /// The FLOP rate (1e9/s) of the row: its rate for FLOP rows, images/s times FLOPs per image
    /// for image rows, nil for byte rows.
    var gflopRate: Double? {
        guard let r = rate else { return nil }
        switch unit {
        case .gflops: return r
        case .images: return flopsPerImage.map { r * $0 / 1e9 }
        case .gbytes: return nil
        }
    }

    /// A measured row.
    init(group: String, name: String, shape: String, backend: String, threads: Int,
         timing: TimingSample, work: Double, unit: RateUnit, flopsPerImage: Double? = nil) {
        self.group = group
        self.name = name
        self.shape = shape
        self.backend = backend
        self.threads = threads
        self.timing = timing
        self.workPerCall = work
        self.unit = unit
        self.flopsPerImage = flopsPerImage
    }

    /// A skipped row, kept in the table so the gap is visible.
    init(group: String, name: String, shape: String, backend: String, threads: Int,
         unit: RateUnit, skipped reason: String) {
        self.group = group
        self.name = name
        self.shape = shape
        self.backend = backend
        self.threads = threads
        self.workPerCall = 0
        self.unit = unit
        self.skipped = reason
    }
}
