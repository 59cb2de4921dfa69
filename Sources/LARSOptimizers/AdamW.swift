import LARSCore

/// Adam with decoupled weight decay (Loshchilov & Hutter, arXiv 1711.05101), in the form of
/// `torch.optim.AdamW`. Per tensor, at step t (1-based), group decay `beta`, rate `gamma`:
///
///     m = beta1*m + (1-beta1)*g;   v = beta2*v + (1-beta2)*g²
///     u = (m / (1-beta1^t)) / (sqrt(v / (1-beta2^t)) + eps)
///     w = w - gamma*(u + beta*w)
///
/// The decay is not part of the gradient, so it never enters the moments.
public final class AdamW: Optimizer {
    /// The parameter groups, fixed at creation.
    public let groups: [ParameterGroup]
    /// beta1, beta2, epsilon, bias correction (defaults 0.9, 0.999, 1e-8, on).
    public let hyperparameters: AdamHyperparameters
    /// What to do with NaN or infinite gradients (`.unchecked` by default: checking costs a pass).
    public let nonFiniteGradients: NonFiniteGradientPolicy
    /// Completed (not skipped) steps: the schedule position.
    public private(set) var stepCount = 0
    /// The telemetry of the latest `step`.
    public private(set) var lastReport: StepReport?

    private let slots: [ParameterSlot]
    private var first: [Tensor]
    private var second: [Tensor]

    /// Creates AdamW over `groups` with zero moments.
    public init(
        groups: [ParameterGroup], hyperparameters: AdamHyperparameters = AdamHyperparameters(),
        nonFiniteGradients: NonFiniteGradientPolicy = .unchecked
    ) {
        self.groups = groups
        self.hyperparameters = hyperparameters
        self.nonFiniteGradients = nonFiniteGradients
        self.slots = makeSlots(groups, optimizer: "AdamW")
        self.first = zeroBuffers(for: slots)
        self.second = zeroBuffers(for: slots)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        if let skip = try checkGradients(slots, policy: nonFiniteGradients, optimizer: "AdamW") {
            lastReport = StepReport(step: stepCount, learningRate: learningRate, skippedBecauseOf: skip)
            return lastReport!
        }
        let h = hyperparameters
        let (c1, c2) = h.corrections(step: stepCount + 1)
        let b1 = h.beta1, b2 = h.beta2, eps = h.epsilon
        let a1 = 1 - b1, a2 = 1 - b2
        for (i, slot) in slots.enumerated() {
            let group = groups[slot.group]
            let rate = learningRate * group.learningRateMultiplier
            let beta = group.weightDecay
            let p = slot.parameter
            p.value.withUnsafeMutableBufferPointer { w in
                p.grad.withUnsafeBufferPointer { g in
                    first[i].withUnsafeMutableBufferPointer { m in
                        second[i].withUnsafeMutableBufferPointer { v in
                            for j in 0..<w.count {
                                let gj = g[j]
                                let mj = b1 * m[j] + a1 * gj
                                let vj = b2 * v[j] + a2 * (gj * gj)
                                m[j] = mj
                                v[j] = vj
                                let u = (mj / c1) / ((vj / c2).squareRoot() + eps)
                                w[j] -= rate * (u + beta * w[j])
                            }
                        }
                    }
                }
            }
        }
        let report = StepReport(step: stepCount, learningRate: learningRate)
        stepCount += 1
        lastReport = report
        return report
    }

    /// `adamw.m.<name>`, `adamw.v.<name>` and `adamw.stepCount`.
    public func state() -> OptimizerState {
        adamState(prefix: "adamw", first: first, second: second, stepCount: stepCount, slots: slots)
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        (first, second, stepCount) = try readAdamState(state, prefix: "adamw", optimizer: "AdamW", slots: slots)
    }
}
