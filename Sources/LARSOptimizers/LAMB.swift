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
/// AdamW with their own decay (0 for the default `excluded` group). The moments are AdamW's
/// (`AdamStep.direction`).
public final class LAMB: Optimizer, TensorwiseOptimizer {
    /// beta1, beta2, epsilon, bias correction.
    public let hyperparameters: AdamHyperparameters
    /// The clamp applied to ‖w‖ before the ratio, or `nil` for the identity.
    public let weightNormClamp: ClosedRange<Float>?
    /// The parameter groups, fixed at creation.
    public var groups: [ParameterGroup] { loop.groups }
    /// What to do with NaN or infinite gradients.
    public var nonFiniteGradients: NonFiniteGradientPolicy { loop.nonFiniteGradients }
    /// Completed (not skipped) steps: the schedule position.
    public var stepCount: Int { loop.stepCount }
    /// The telemetry of the latest `step`.
    public var lastReport: StepReport? { loop.lastReport }

    var loop: StepLoopState
    /// The first and second moments of all tensors, each in one buffer.
    private var first: StateBuffer
    private var second: StateBuffer
    /// The direction r of the tensor being updated (sized for the largest).
    private var direction: [Float]
    /// ‖g‖ of each tensor, for the telemetry and the non-finite check.
    private var gradientNorms: [Float]

    /// Creates LAMB over `groups` with zero moments.
    public init(
        groups: [ParameterGroup],
        hyperparameters: AdamHyperparameters = AdamHyperparameters(epsilon: 1e-6),
        weightNormClamp: ClosedRange<Float>? = nil,
        nonFiniteGradients: NonFiniteGradientPolicy = .throwError
    ) {
        self.hyperparameters = hyperparameters
        self.weightNormClamp = weightNormClamp
        self.loop = StepLoopState(optimizer: "LAMB", groups: groups, nonFiniteGradients: nonFiniteGradients)
        self.first = StateBuffer(slots: loop.slots)
        self.second = StateBuffer(slots: loop.slots)
        self.direction = Array(repeating: 0, count: loop.slots.map { $0.parameter.count }.max() ?? 0)
        self.gradientNorms = Array(repeating: 0, count: loop.slots.count)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        try runStep(learningRate: learningRate, context: context)
    }

    var recordsTelemetry: Bool { true }
    var inspectsUnchecked: Bool { true }

    /// Takes ‖g‖ (reported every step) before anything moves; NaN or infinite exactly when the
    /// gradient is not finite.
    func inspect(index: Int, count: Int, weights: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
                 backend: any KernelBackend) -> Bool {
        gradientNorms[index] = euclideanNorm(count: count, gradient, backend: backend)
        return gradientNorms[index].isFinite
    }

    func update(_ t: TensorStep, inspected: Bool) -> ParameterStepRecord? {
        let adam = AdamStep(hyperparameters, step: loop.stepCount + 1)
        let w = t.weights, g = t.gradient, n = t.count
        let weightNorm = euclideanNorm(count: n, UnsafePointer(w), backend: t.backend)
        var ratio: Float = 1
        let m = first.pointer(t.index), v = second.pointer(t.index)
        direction.withUnsafeMutableBufferPointer { r in
            for j in 0..<n { r[j] = adam.direction(gradient: g[j], first: &m[j], second: &v[j]) }
            // r += beta*w, and Σr² in Double (r is large where v is tiny).
            let sumOfSquares = addDecayAndSumSquares(
                count: n, direction: r.baseAddress!, weights: UnsafePointer(w), decay: t.weightDecay)
            if t.usesTrustRatio {
                let phi = weightNormClamp.map { min(max(weightNorm, $0.lowerBound), $0.upperBound) } ?? weightNorm
                let nr = Float(sumOfSquares.squareRoot())
                ratio = phi > 0 && nr > 0 ? phi / nr : 1
            }
            let scale = t.rate * ratio
            for j in 0..<n { w[j] -= scale * r[j] }
        }
        return ParameterStepRecord(
            name: t.name, group: t.groupName, weightNorm: weightNorm, gradientNorm: gradientNorms[t.index],
            trustRatio: ratio, effectiveLearningRate: t.rate * ratio)
    }

    /// `lamb.m.<name>`, `lamb.v.<name>` and `lamb.stepCount`.
    public func state() -> OptimizerState {
        adamState(prefix: "lamb", first: first, second: second, stepCount: stepCount, slots: loop.slots)
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        (first, second, loop.stepCount) = try readAdamState(state, prefix: "lamb", optimizer: "LAMB", slots: loop.slots)
    }
}

/// `r += beta * w` over `n` elements; returns Σr² accumulated in Double, over four independent
/// partial sums so the loop is not one long chain of dependent Double additions.
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
