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
public final class SGD: Optimizer, TensorwiseOptimizer {
    /// Momentum m (0 for plain SGD).
    public let momentum: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool
    /// Where the learning rate enters the buffer.
    public let placement: MomentumPlacement
    /// The parameter groups, fixed at creation.
    public var groups: [ParameterGroup] { loop.groups }
    /// What to do with NaN or infinite gradients: `.throwError` by default, as in every optimizer
    /// here, so a bad gradient stops the step with nothing changed; `.unchecked` saves one read
    /// of the gradients.
    public var nonFiniteGradients: NonFiniteGradientPolicy { loop.nonFiniteGradients }
    /// Completed (not skipped) steps: the schedule position.
    public var stepCount: Int { loop.stepCount }
    /// The telemetry of the latest `step`.
    public var lastReport: StepReport? { loop.lastReport }

    var loop: StepLoopState
    /// The momentum buffers of all tensors, in one buffer.
    private var velocity: StateBuffer

    /// Creates SGD over `groups` with zero momentum buffers.
    public init(
        groups: [ParameterGroup], momentum: Float = 0.9, nesterov: Bool = false,
        placement: MomentumPlacement = .afterMomentum, nonFiniteGradients: NonFiniteGradientPolicy = .throwError
    ) {
        userPrecondition(momentum >= 0 && momentum < 1, "SGD: momentum must be in [0, 1), got \(momentum)")
        self.momentum = momentum
        self.nesterov = nesterov
        self.placement = placement
        self.loop = StepLoopState(optimizer: "SGD", groups: groups, nonFiniteGradients: nonFiniteGradients)
        self.velocity = StateBuffer(slots: loop.slots)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        try runStep(learningRate: learningRate, context: context)
    }

    func update(_ t: TensorStep, inspected: Bool) -> ParameterStepRecord? {
        let rates = placement.rates(t.rate)
        momentumStep(
            count: t.count, weights: t.weights, gradient: t.gradient, velocity: velocity.pointer(t.index),
            decay: t.weightDecay, momentum: momentum, rates: rates, nesterov: nesterov)
        return nil
    }

    /// `sgd.momentum.<name>` for each parameter and `sgd.stepCount`.
    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["sgd.stepCount": Double(stepCount)])
        velocity.export(prefix: "sgd.momentum", slots: loop.slots, into: &state)
        return state
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        let buffers = try StateBuffer.read(from: state, prefix: "sgd.momentum", slots: loop.slots, optimizer: "SGD")
        let count = try importCounter(from: state, key: "sgd.stepCount", optimizer: "SGD")
        velocity = buffers
        loop.stepCount = count
    }
}
