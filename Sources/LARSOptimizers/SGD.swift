import LARSCore

/// Stochastic gradient descent with heavy-ball or Nesterov momentum and coupled (L2) weight decay,
/// the baseline every LARS comparison needs. Per tensor, with group decay `beta`:
///
///     d = g + beta*w
///     v = m*v + d;  w = w - gamma*v                 (.afterMomentum, the default: torch.optim.SGD)
///     v = m*v + gamma*d;  w = w - v                  (.insideMomentum: Caffe, LARS Algorithm 1)
///     Nesterov: the step is m*v + d (times gamma), as in PyTorch, instead of v.
///
/// It runs the same fused loop as LARS (`momentumStep`), so LARS with every parameter excluded and
/// the same placement produces identical bits.
public final class SGD: Optimizer {
    /// The parameter groups, fixed at creation.
    public let groups: [ParameterGroup]
    /// Momentum m (0 for plain SGD).
    public let momentum: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// Where the learning rate enters the buffer.
    public let placement: MomentumPlacement
    /// What to do with NaN or infinite gradients (`.unchecked` by default: checking costs a pass).
    public let nonFiniteGradients: NonFiniteGradientPolicy
    /// Completed (not skipped) steps: the schedule position.
    public private(set) var stepCount = 0
    /// The telemetry of the latest `step`.
    public private(set) var lastReport: StepReport?

    private let slots: [ParameterSlot]
    private var velocity: [Tensor]

    /// Creates SGD over `groups` with zero momentum buffers.
    public init(
        groups: [ParameterGroup], momentum: Float = 0.9, nesterov: Bool = false,
        placement: MomentumPlacement = .afterMomentum, nonFiniteGradients: NonFiniteGradientPolicy = .unchecked
    ) {
        precondition(momentum >= 0 && momentum < 1, "SGD: momentum must be in [0, 1), got \(momentum)")
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
        self.placement = placement
        self.nonFiniteGradients = nonFiniteGradients
        self.slots = makeSlots(groups, optimizer: "SGD")
        self.velocity = zeroBuffers(for: slots)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        if let skip = try checkGradients(slots, policy: nonFiniteGradients, optimizer: "SGD") {
            lastReport = StepReport(step: stepCount, learningRate: learningRate, skippedBecauseOf: skip)
            return lastReport!
        }
        for (i, slot) in slots.enumerated() {
            let group = groups[slot.group]
            let rate = learningRate * group.learningRateMultiplier
            let (inside, outside): (Float, Float) = placement == .insideMomentum ? (rate, 1) : (1, rate)
            let p = slot.parameter
            let n = p.value.count
            let beta = group.weightDecay
            let m = momentum
            let nesterov = nesterov
            p.value.withUnsafeMutableBufferPointer { w in
                p.grad.withUnsafeBufferPointer { g in
                    velocity[i].withUnsafeMutableBufferPointer { v in
                        momentumStep(
                            count: n, weights: w.baseAddress!, gradient: g.baseAddress!, velocity: v.baseAddress!,
                            decay: beta, inside: inside, momentum: m, outside: outside, nesterov: nesterov)
                    }
                }
            }
        }
        let report = StepReport(step: stepCount, learningRate: learningRate)
        stepCount += 1
        lastReport = report
        return report
    }

    /// `sgd.momentum.<name>` for each parameter and `sgd.stepCount`.
    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["sgd.stepCount": Double(stepCount)])
        exportBuffers(velocity, prefix: "sgd.momentum", slots: slots, into: &state)
        return state
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        let buffers = try importBuffers(from: state, prefix: "sgd.momentum", slots: slots, optimizer: "SGD")
        let count = try importCounter(from: state, key: "sgd.stepCount", optimizer: "SGD")
        velocity = buffers
        stepCount = count
    }
}
