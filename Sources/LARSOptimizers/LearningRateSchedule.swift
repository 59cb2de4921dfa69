/// A learning rate as a function of the optimizer step (0-based), as a value that can be printed,
/// compared and saved (`Codable`) with a run's configuration.
///
/// The paper's policy is `.paper(base:warmupSteps:totalSteps:)`: linear warm-up into polynomial
/// decay of power 2, `gamma_t = gamma0 * (1 - t/T)^2` (arXiv 1708.03888 Algorithm 1).
public indirect enum LearningRateSchedule: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The same rate at every step.
    case constant(Float)
    /// Rises linearly over `steps` steps to the first value of `then`, which starts after them:
    /// step t < steps gets `then(0) * (t + 1) / steps` (never 0, the full rate at the last warm-up
    /// step), step t >= steps gets `then(t - steps)`.
    case linearWarmup(steps: Int, then: LearningRateSchedule)
    /// `end + (initial - end) * (1 - min(t, steps)/steps)^power`; the paper uses power 2.
    case polynomial(initial: Float, end: Float = 0, steps: Int, power: Float = 2)
    /// `end + (initial - end) * (1 + cos(pi * min(t, steps)/steps)) / 2` (SGDR without restarts).
    case cosine(initial: Float, end: Float = 0, steps: Int)
    /// `initial * factor^floor(t / every)`.
    case step(initial: Float, every: Int, factor: Float = 0.1)
    /// `initial * factor^(number of milestones <= t)`.
    case multiStep(initial: Float, milestones: [Int], factor: Float = 0.1)

    /// The paper's policy: `warmupSteps` of linear warm-up, then power-2 decay from `base` to
    /// `end` over the remaining `totalSteps - warmupSteps` steps.
    public static func paper(base: Float, warmupSteps: Int, totalSteps: Int, end: Float = 0) -> LearningRateSchedule {
        userPrecondition(totalSteps > warmupSteps, "paper schedule: totalSteps \(totalSteps) must exceed warmupSteps \(warmupSteps)")
        let decay = LearningRateSchedule.polynomial(initial: base, end: end, steps: totalSteps - warmupSteps, power: 2)
        return warmupSteps > 0 ? .linearWarmup(steps: warmupSteps, then: decay) : decay
    }

    /// The linear scaling rule (Goyal et al. 2017): `base * batchSize / referenceBatchSize`, with
    /// `base` the rate tuned at `referenceBatchSize` (256 for ImageNet ResNets).
    public static func linearScaling(base: Float, batchSize: Int, referenceBatchSize: Int = 256) -> Float {
        userPrecondition(batchSize > 0 && referenceBatchSize > 0, "linearScaling: batch sizes must be positive")
        return base * Float(batchSize) / Float(referenceBatchSize)
    }

    /// The learning rate at 0-based step `t`.
    public func value(at t: Int) -> Float {
        userPrecondition(t >= 0, "LearningRateSchedule: step must be >= 0, got \(t)")
        switch self {
        case let .constant(rate):
            return rate
        case let .linearWarmup(steps, then):
            userPrecondition(steps > 0, "linearWarmup: steps must be > 0, got \(steps)")
            if t >= steps { return then.value(at: t - steps) }
            return Float(Double(then.value(at: 0)) * Double(t + 1) / Double(steps))
        case let .polynomial(initial, end, steps, power):
            userPrecondition(steps > 0, "polynomial: steps must be > 0, got \(steps)")
            let remaining = 1 - Double(min(t, steps)) / Double(steps)
            return Float(Double(end) + Double(initial - end) * Elementary.pow(remaining, Double(power)))
        case let .cosine(initial, end, steps):
            userPrecondition(steps > 0, "cosine: steps must be > 0, got \(steps)")
            let progress = Double(min(t, steps)) / Double(steps)
            return Float(Double(end) + Double(initial - end) * (1 + Elementary.cos(Double.pi * progress)) / 2)
        case let .step(initial, every, factor):
            userPrecondition(every > 0, "step schedule: every must be > 0, got \(every)")
            return Float(Double(initial) * Elementary.pow(Double(factor), Double(t / every)))
        case let .multiStep(initial, milestones, factor):
            let passed = milestones.reduce(0) { $0 + ($1 <= t ? 1 : 0) }
            return Float(Double(initial) * Elementary.pow(Double(factor), Double(passed)))
        }
    }

    /// A one-line summary such as `warmup 5 steps -> poly 2.0 -> 0.0001 over 995 steps (power 2.0)`.
    public var description: String {
        switch self {
        case let .constant(rate):
            return "constant \(rate)"
        case let .linearWarmup(steps, then):
            return "warmup \(steps) steps -> \(then)"
        case let .polynomial(initial, end, steps, power):
            return "poly \(initial) -> \(end) over \(steps) steps (power \(power))"
        case let .cosine(initial, end, steps):
            return "cosine \(initial) -> \(end) over \(steps) steps"
        case let .step(initial, every, factor):
            return "step \(initial) x\(factor) every \(every) steps"
        case let .multiStep(initial, milestones, factor):
            return "multistep \(initial) x\(factor) at \(milestones)"
        }
    }
}
