/// The parts of a training epoch whose wall-clock time `Trainer.trainEpoch()` measures.
public enum EpochPhase: Int, CaseIterable, Sendable {
    /// Waiting for the next batch: assembly, augmentation and normalisation not hidden by the
    /// prefetching thread.
    case data
    /// Zeroing gradients, forward pass, loss, loss gradient and backward pass.
    case forwardBackward
    /// Summing the gradients of the replicas into the primary model's, and across processes.
    case reduction
    /// The optimizer step (learning rate, trust ratios, update).
    case optimizer
    /// Loss and weight checks, step logs, progress, and the end-of-epoch collectives.
    case checksAndLogs
    /// Evaluation on the test set (and the validation split) when the epoch is evaluated.
    case evaluation

    /// The phase's name in tables and CSV columns.
    public var name: String {
        switch self {
        case .data: "data"
        case .forwardBackward: "forward/backward"
        case .reduction: "reduction"
        case .optimizer: "optimizer"
        case .checksAndLogs: "checks and logs"
        case .evaluation: "evaluation"
        }
    }
}

/// Wall-clock seconds one epoch spent in each `EpochPhase`: a fixed set of fields, so that
/// measuring a step allocates nothing.
public struct EpochPhaseTimes: Sendable, Equatable {
    /// Seconds per phase, indexed by `EpochPhase.rawValue`.
    private var seconds: (Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0)

    /// No time in any phase.
    public init() {}

    /// Seconds spent in `phase`.
    public subscript(phase: EpochPhase) -> Double {
        get {
            switch phase {
            case .data: seconds.0
            case .forwardBackward: seconds.1
            case .reduction: seconds.2
            case .optimizer: seconds.3
            case .checksAndLogs: seconds.4
            case .evaluation: seconds.5
            }
        }
        set {
            switch phase {
            case .data: seconds.0 = newValue
            case .forwardBackward: seconds.1 = newValue
            case .reduction: seconds.2 = newValue
            case .optimizer: seconds.3 = newValue
            case .checksAndLogs: seconds.4 = newValue
            case .evaluation: seconds.5 = newValue
            }
        }
    }

    /// Seconds over all phases.
    public var total: Double { EpochPhase.allCases.reduce(0) { $0 + self[$1] } }

    /// `phase`'s fraction (0...1) of `total`, 0 when nothing was measured.
    public func share(of phase: EpochPhase) -> Double {
        let all = total
        return all > 0 ? self[phase] / all : 0
    }

    /// The phase-wise sum of two measurements (for example of several epochs).
    public static func + (a: EpochPhaseTimes, b: EpochPhaseTimes) -> EpochPhaseTimes {
        var sum = a
        for phase in EpochPhase.allCases { sum[phase] += b[phase] }
        return sum
    }

    /// Whether every phase holds the same seconds in both.
    public static func == (a: EpochPhaseTimes, b: EpochPhaseTimes) -> Bool {
        EpochPhase.allCases.allSatisfy { a[$0] == b[$0] }
    }

    /// The shares as `name 12.3 %` items, in phase order.
    public var sharesDescription: String {
        EpochPhase.allCases.map { "\($0.name) \(format(share(of: $0) * 100, 1)) %" }.joined(separator: ", ")
    }
}

/// Charges the time between consecutive marks to phases: one monotonic clock read per mark.
struct PhaseClock {
    private(set) var times = EpochPhaseTimes()
    private var last: Double
    /// The replicas' running total of gradient-sum seconds (`DataParallel.gradientSumSeconds`)
    /// at the end of the previous pass.
    private var replicaSumSeconds: Double

    /// Starts timing now; `replicaSumSeconds` is the replicas' running total so far (0 without
    /// replicas).
    init(replicaSumSeconds: Double = 0) {
        last = monotonicSeconds()
        self.replicaSumSeconds = replicaSumSeconds
    }

    /// Charges the time since the previous mark to `phase`.
    @inline(__always)
    mutating func mark(_ phase: EpochPhase) {
        let now = monotonicSeconds()
        times[phase] += now - last
        last = now
    }

    /// After a forward/backward pass: charges the time since the previous mark to it, less the
    /// time the replicas spent summing their gradients during it, which goes to reduction.
    /// - Parameter total: the replicas' running total of gradient-sum seconds now.
    mutating func markPass(replicaSumSeconds total: Double) {
        mark(.forwardBackward)
        move(total - replicaSumSeconds, from: .forwardBackward, to: .reduction)
        replicaSumSeconds = total
    }

    /// Moves `seconds` already charged to `from` over to `to` (time a layer measured itself).
    mutating func move(_ seconds: Double, from: EpochPhase, to: EpochPhase) {
        times[from] -= seconds
        times[to] += seconds
    }
}
