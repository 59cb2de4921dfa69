import LARSCore

/// Layer-wise Adaptive Moments for Batch training (You et al. 2019, arXiv 1904.00962): Adam's
/// per-coordinate normalisation followed by a per-tensor trust ratio. Per tensor, at step t
/// (1-based), group decay `beta` (decoupled), rate `gamma`:
///
///     m = beta1*m + (1-beta1)*g;   v = beta2*v + (1-beta2)*g²
///     r = (m / (1-beta1^t)) / (sqrt(v / (1-beta2^t)) + eps) + beta*w
///     ratio = phi(‖w‖) / ‖r‖        (1 when phi(‖w‖) = 0 or ‖r‖ = 0, or without the trust ratio)
///     w = w - gamma*ratio*r
///
/// `phi` is the identity by default (the authors' choice, cybertronai/pytorch-lamb#5; optax
/// `lamb`) or a clamp to `[lower, upper]` (paper v1 used upper 10; gluon-nlp 1e-3...10).
/// Defaults beta1 0.9, beta2 0.999, eps 1e-6 (paper, optax). Groups without the trust ratio get
/// AdamW with their own decay (0 for the default `excluded` group).
public final class LAMB: Optimizer {
    /// The parameter groups, fixed at creation.
    public let groups: [ParameterGroup]
    /// beta1, beta2, epsilon, bias correction.
    public let hyperparameters: AdamHyperparameters
    /// The clamp applied to ‖w‖ before the ratio, or `nil` for the identity.
    public let weightNormClamp: ClosedRange<Float>?
    /// What to do with NaN or infinite gradients.
    public let nonFiniteGradients: NonFiniteGradientPolicy
    /// Completed (not skipped) steps: the schedule position.
    public private(set) var stepCount = 0
    /// The telemetry of the latest `step`.
    public private(set) var lastReport: StepReport?

    private let slots: [ParameterSlot]
    private var first: [Tensor]
    private var second: [Tensor]
    private var direction: [Float]

    /// Creates LAMB over `groups` with zero moments.
    public init(
        groups: [ParameterGroup],
        hyperparameters: AdamHyperparameters = AdamHyperparameters(epsilon: 1e-6),
        weightNormClamp: ClosedRange<Float>? = nil,
        nonFiniteGradients: NonFiniteGradientPolicy = .throwError
    ) {
        self.groups = groups
        self.hyperparameters = hyperparameters
        self.weightNormClamp = weightNormClamp
        self.nonFiniteGradients = nonFiniteGradients
        self.slots = makeSlots(groups, optimizer: "LAMB")
        self.first = zeroBuffers(for: slots)
        self.second = zeroBuffers(for: slots)
        self.direction = Array(repeating: 0, count: slots.map { $0.parameter.value.count }.max() ?? 0)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        let backend = context.backend
        // ‖g‖ for every tensor first: the telemetry wants it and a non-finite one must stop the
        // step before any moment changes.
        var gradientNorms: [Float] = []
        gradientNorms.reserveCapacity(slots.count)
        for slot in slots {
            let ng = slot.parameter.grad.withUnsafeBufferPointer {
                euclideanNorm(count: $0.count, $0.baseAddress!, backend: backend)
            }
            if !ng.isFinite && nonFiniteGradients != .unchecked {
                if nonFiniteGradients == .throwError {
                    throw OptimizerError.nonFiniteGradient(optimizer: "LAMB", parameter: slot.name)
                }
                lastReport = StepReport(step: stepCount, learningRate: learningRate, skippedBecauseOf: slot.name)
                return lastReport!
            }
            gradientNorms.append(ng)
        }

        let h = hyperparameters
        let corrections = h.corrections(step: stepCount + 1)
        var records: [ParameterStepRecord] = []
        records.reserveCapacity(slots.count)
        for (i, slot) in slots.enumerated() {
            let group = groups[slot.group]
            let rate = learningRate * group.learningRateMultiplier
            let beta = group.weightDecay
            let p = slot.parameter
            let n = p.value.count
            var nw: Float = 0
            var ratio: Float = 1
            p.value.withUnsafeMutableBufferPointer { w in
                p.grad.withUnsafeBufferPointer { g in
                    first[i].withUnsafeMutableBufferPointer { m in
                        second[i].withUnsafeMutableBufferPointer { v in
                            direction.withUnsafeMutableBufferPointer { r in
                                adamDirection(
                                    count: n, gradient: g.baseAddress!, first: m.baseAddress!, second: v.baseAddress!,
                                    direction: r.baseAddress!, hyper: h, corrections: corrections)
                                // r += beta*w, and Σr² in Double (r is large where v is tiny), over
                                // four independent partial sums so the loop is not one long
                                // chain of dependent Double additions.
                                let sumOfSquares = addDecayAndSumSquares(
                                    count: n, direction: r.baseAddress!, weights: UnsafePointer(w.baseAddress!), decay: beta)
                                nw = euclideanNorm(count: n, UnsafePointer(w.baseAddress!), backend: backend)
                                if group.usesTrustRatio {
                                    var phi = nw
                                    if let clamp = weightNormClamp { phi = min(max(phi, clamp.lowerBound), clamp.upperBound) }
                                    let nr = Float(sumOfSquares.squareRoot())
                                    ratio = phi > 0 && nr > 0 ? phi / nr : 1
                                }
                                let scale = rate * ratio
                                for j in 0..<n { w[j] -= scale * r[j] }
                            }
                        }
                    }
                }
            }
            records.append(
                ParameterStepRecord(
                    name: slot.name, group: group.name, weightNorm: nw, gradientNorm: gradientNorms[i],
                    trustRatio: ratio, effectiveLearningRate: rate * ratio))
        }
        let report = StepReport(step: stepCount, learningRate: learningRate, parameters: records)
        stepCount += 1
        lastReport = report
        return report
    }

    /// `lamb.m.<name>`, `lamb.v.<name>` and `lamb.stepCount`.
    public func state() -> OptimizerState {
        adamState(prefix: "lamb", first: first, second: second, stepCount: stepCount, slots: slots)
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        (first, second, stepCount) = try readAdamState(state, prefix: "lamb", optimizer: "LAMB", slots: slots)
    }
}

/// `r += beta * w` over `n` elements; returns Σr² accumulated in Double.
@inline(__always)
func addDecayAndSumSquares(
    count n: Int, direction r: UnsafeMutablePointer<Float>, weights w: UnsafePointer<Float>, decay beta: Float
) -> Double {
    var partial = SIMD4<Double>()
    var j = 0
    while j + 4 <= n {
        let rj = SIMD4<Float>(r[j], r[j + 1], r[j + 2], r[j + 3])
            + beta * SIMD4<Float>(w[j], w[j + 1], w[j + 2], w[j + 3])
        r[j] = rj[0]; r[j + 1] = rj[1]; r[j + 2] = rj[2]; r[j + 3] = rj[3]
        let d = SIMD4<Double>(Double(rj[0]), Double(rj[1]), Double(rj[2]), Double(rj[3]))
        partial = partial + d * d
        j += 4
    }
    var total = partial.sum()
    while j < n {
        let rj = r[j] + beta * w[j]
        r[j] = rj
        total += Double(rj) * Double(rj)
        j += 1
    }
    return total
}
