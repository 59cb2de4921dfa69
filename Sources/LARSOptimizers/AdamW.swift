import LARSCore

/// Adam with decoupled weight decay (Loshchilov & Hutter, arXiv 1711.05101), in the form of
/// `torch.optim.AdamW`. Per tensor, at step t (1-based), group decay `beta`, rate `gamma`:
///
///     m = beta1*m + (1-beta1)*g;   v = beta2*v + (1-beta2)*g²
///     u = (m / (1-beta1^t)) / (sqrt(v / (1-beta2^t)) + eps)
///     w = w - gamma*(u + beta*w)
///
/// The decay is not part of the gradient, so it never enters the moments.
public final class AdamW: Optimizer, TensorwiseOptimizer {
    /// beta1, beta2, epsilon, bias correction (defaults 0.9, 0.999, 1e-8, on).
    public let hyperparameters: AdamHyperparameters
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
    /// The first and second moments of all tensors, each in one buffer.
    private var first: StateBuffer
    private var second: StateBuffer

    /// Creates AdamW over `groups` with zero moments.
    public init(
        groups: [ParameterGroup], hyperparameters: AdamHyperparameters = AdamHyperparameters(),
        nonFiniteGradients: NonFiniteGradientPolicy = .throwError
    ) {
        self.hyperparameters = hyperparameters
        self.loop = StepLoopState(optimizer: "AdamW", groups: groups, nonFiniteGradients: nonFiniteGradients)
        self.first = StateBuffer(slots: loop.slots)
        self.second = StateBuffer(slots: loop.slots)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        try runStep(learningRate: learningRate, context: context)
    }

    func update(_ t: TensorStep, inspected: Bool) -> ParameterStepRecord? {
        let adam = AdamStep(hyperparameters, step: loop.stepCount + 1)
        let w = t.weights, g = t.gradient, rate = t.rate, beta = t.weightDecay
        let m = first.pointer(t.index), v = second.pointer(t.index)
        for j in 0..<t.count {
            let u = adam.direction(gradient: g[j], first: &m[j], second: &v[j])
            w[j] -= rate * (u + beta * w[j])
        }
        return nil
    }

    /// `adamw.m.<name>`, `adamw.v.<name>` and `adamw.stepCount`.
    public func state() -> OptimizerState {
        adamState(prefix: "adamw", first: first, second: second, stepCount: stepCount, slots: loop.slots)
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        (first, second, loop.stepCount) = try readAdamState(state, prefix: "adamw", optimizer: "AdamW", slots: loop.slots)
    }
}
