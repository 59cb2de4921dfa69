import LARSCore

/// Layer-wise Adaptive Rate Scaling: SGD with momentum whose step for each parameter tensor is
/// scaled by a trust ratio, so that every layer moves by about the same fraction of its weight
/// norm (You, Gitman & Ginsburg 2017, arXiv 1708.03888). Algorithm 1, for each layer `l`:
///
///     g = ∇L(w)
///     lambda = eta * ‖w‖ / (‖g‖ + beta*‖w‖)          local rate (trust ratio)
///     v = m*v + gamma * lambda * (g + beta*w)
///     w = w - v
///
/// `step` does exactly that per tensor: norms, ratio (`LARS.factors(for:options:)`, a pure
/// function), momentum update (`momentumStep`, shared with SGD), record. Variants (`Options`):
/// epsilon in the denominator, the `.updateNorm` denominator ‖g + beta*w‖, LARC clipping, the rate
/// after the buffer (PyTorch wrappers), Nesterov, and the ratio 1 for zero norms that every
/// implementation adds. Defaults are Algorithm 1: eta 0.001, eps 0, momentum 0.9. Groups without
/// the trust ratio get plain momentum SGD with their own decay through the same loop.
///
/// Cost: with the non-finite check (the default) one finiteness pass over every gradient before
/// anything moves, so a bad gradient stops the step with nothing changed; then per tensor both
/// norms in one pass and the fused update while the tensor is still in cache. Norms are Float
/// SIMD sums of squares that fall back to the backend's overflow-safe `nrm2` outside a safe
/// range. The same norms feed `lastReport`.
public final class LARS: Optimizer, TensorwiseOptimizer {
    /// The options this optimizer was created with.
    public let options: Options
    /// The parameter groups, fixed at creation.
    public var groups: [ParameterGroup] { loop.groups }
    /// Completed (not skipped) steps: the schedule position.
    public var stepCount: Int { loop.stepCount }
    /// The telemetry of the latest `step`.
    public var lastReport: StepReport? { loop.lastReport }

    var loop: StepLoopState
    /// The momentum buffers of all tensors, in one buffer.
    private var velocity: StateBuffer
    /// ‖w‖ and ‖g‖ per tensor, taken by `inspect` during the non-finite check.
    private var inspectedNorms: [(weight: Float, gradient: Float)]
    /// Whether each tensor needs its norms (adapted, or recorded), fixed with the groups.
    private let wantsNorms: [Bool]

    /// Creates LARS over `groups` (for example `ParameterGroup.byKind(model.namedParameters,
    /// weightDecay: 5e-4)`), with zero momentum buffers.
    public init(groups: [ParameterGroup], options: Options = Options()) {
        self.options = options
        self.loop = StepLoopState(optimizer: "LARS", groups: groups, nonFiniteGradients: options.nonFiniteGradients)
        self.velocity = StateBuffer(slots: loop.slots)
        self.inspectedNorms = Array(repeating: (0, 0), count: loop.slots.count)
        let groups = loop.groups
        self.wantsNorms = loop.slots.map { options.recordsTelemetry || groups[$0.group].usesTrustRatio }
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        try runStep(learningRate: learningRate, context: context)
    }

    /// Algorithm 1 for one layer.
    func update(_ t: TensorStep, inspected: Bool) -> ParameterStepRecord? {
        let layer = norms(t, inspected: inspected)
        let f = LARS.factors(for: layer, options: options)
        momentumStep(
            count: t.count, weights: t.weights, gradient: t.gradient, velocity: velocity.pointer(t.index),
            decay: t.weightDecay, momentum: options.momentum, rates: f.rates, nesterov: options.nesterov)
        guard options.recordsTelemetry else { return nil }
        return ParameterStepRecord(
            name: t.name, group: t.groupName, weightNorm: layer.weightNorm, gradientNorm: layer.gradientNorm,
            trustRatio: f.trustRatio, effectiveLearningRate: f.effectiveLearningRate)
    }

    /// The non-finite check: for a tensor that needs its norms, ‖w‖ and ‖g‖ in one pass, where
    /// g's sum of squares is finite exactly when every element is (an infinite sum of finite
    /// elements, an overflow, is looked at again), so the check costs no pass of its own; the
    /// norms are kept for `update`.
    func inspect(index: Int, count: Int, weights: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
                 backend: any KernelBackend) -> Bool {
        guard wantsNorms[index] else { return allFinite(count: count, gradient) }
        let (sw, sg) = squaredNormsFloat(count: count, weights, gradient)
        inspectedNorms[index] = (
            checkedRoot(sw, count: count, weights, backend: backend), checkedRoot(sg, count: count, gradient, backend: backend))
        return sg.isFinite || (!sg.isNaN && allFinite(count: count, gradient))
    }

    /// ‖w‖, ‖g‖ and, for the `.updateNorm` denominator, ‖g + beta*w‖, with the group's settings.
    /// Taken by the non-finite check when it ran, else right before the tensor's update, which
    /// then finds it in cache; norms nothing reads (an excluded group without telemetry) stay 0.
    private func norms(_ t: TensorStep, inspected: Bool) -> LayerInput {
        let w = UnsafePointer(t.weights)
        var (nw, ng): (Float, Float) = (0, 0)
        if wantsNorms[t.index] {
            if inspected {
                (nw, ng) = inspectedNorms[t.index]
            } else {
                (nw, ng) = euclideanNorms(count: t.count, w, t.gradient, backend: t.backend)
            }
        }
        var layer = LayerInput(
            weightNorm: nw, gradientNorm: ng, weightDecay: t.weightDecay, learningRate: t.rate,
            usesTrustRatio: t.usesTrustRatio)
        if t.usesTrustRatio && options.denominator == .updateNorm {
            layer.decayedGradientNorm = decayedGradientNorm(count: t.count, gradient: t.gradient, weights: w, decay: t.weightDecay)
        }
        return layer
    }

    var recordsTelemetry: Bool { options.recordsTelemetry }

    /// `lars.momentum.<name>` for each parameter and `lars.stepCount`.
    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["lars.stepCount": Double(stepCount)])
        velocity.export(prefix: "lars.momentum", slots: loop.slots, into: &state)
        return state
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        let buffers = try StateBuffer.read(from: state, prefix: "lars.momentum", slots: loop.slots, optimizer: "LARS")
        let count = try importCounter(from: state, key: "lars.stepCount", optimizer: "LARS")
        velocity = buffers
        loop.stepCount = count
    }
}
