import LARSCore

/// Layer-wise Adaptive Rate Scaling: SGD with momentum whose step for each parameter tensor is
/// scaled by a trust ratio, so that every layer moves by about the same fraction of its weight
/// norm (You, Gitman & Ginsburg 2017, arXiv 1708.03888, Algorithm 1).
///
/// For each tensor `w` with gradient `g` in a group with weight decay `beta` and the trust ratio
/// on, at global learning rate `gamma` (times the group's multiplier):
///
///     lambda = eta * ‖w‖ / (‖g‖ + beta*‖w‖ + eps)      (.paper denominator, the default)
///     lambda = eta * ‖w‖ / (‖g + beta*w‖ + eps)          (.updateNorm denominator)
///     lambda = 1  when ‖w‖ = 0 or the gradient term is 0 (not in the paper; every implementation
///                 adds it: a zero-initialised layer still moves and still decays, and 0/0 never occurs)
///     v = m*v + gamma*lambda*(g + beta*w)                (.insideMomentum, the default)
///     w = w - v
///
/// Defaults: eta 0.001, eps 0, momentum 0.9, paper denominator, rate inside the buffer, no
/// Nesterov, no clipping: exactly Algorithm 1 (plus the zero-norm rule), which is also the MLPerf
/// ResNet-50 reference (with its epsilon 0) and flax's legacy LARS. Groups without the trust
/// ratio get plain momentum SGD with their own decay through the same loop (`momentumStep`).
///
/// Cost: one pass over each tensor's `w` and `g` for both norms, then one fused update pass. With
/// the non-finite check (the default) all norms are taken before anything moves, so a bad
/// gradient stops the step with nothing changed; unchecked, each tensor's norms are taken right
/// before its update. Norms are Float SIMD sums of squares that fall back to the backend's
/// overflow-safe `nrm2` outside a safe range (`euclideanNorms`). The same norms feed the
/// telemetry in `lastReport`.
public final class LARS: Optimizer {
    /// How the gradient term of the trust-ratio denominator is formed.
    public enum Denominator: String, Sendable, Codable, CaseIterable {
        /// `‖g‖ + beta*‖w‖ + eps`: the paper, MLPerf reference, torchlars, apex LARC, timm, flax.
        case paper
        /// `‖g + beta*w‖ + eps`: TF Model Garden, SimCLR, optax `lars`, BYOL, VICReg, MoCo v3.
        case updateNorm
    }

    /// How the trust ratio and the learning rate combine into the tensor's rate.
    public enum RateMode: String, Sendable, Codable, CaseIterable {
        /// `gamma * lambda` (paper; apex LARC `clip=False`).
        case scale
        /// `min(lambda, gamma)`: LARC clipping, the local rate never exceeds the global one
        /// (apex LARC `clip=True`, timm `trust_clip`).
        case clip
    }

    /// The hyper-parameters and variants of LARS.
    public struct Options: Sendable, Equatable, Codable {
        /// Momentum m.
        public var momentum: Float
        /// Trust coefficient eta.
        public var trustCoefficient: Float
        /// Added to the denominator of the trust ratio.
        public var epsilon: Float
        /// The denominator form.
        public var denominator: Denominator
        /// Nesterov momentum (`w -= m*v_new + rate*d` instead of `w -= v_new`; TF, timm, MLPerf).
        public var nesterov: Bool
        /// Where the learning rate enters the buffer.
        public var placement: MomentumPlacement
        /// Scale or LARC clip.
        public var rateMode: RateMode
        /// What to do with NaN or infinite gradients (detected from the norms, so free).
        public var nonFiniteGradients: NonFiniteGradientPolicy
        /// Whether `step` fills `StepReport.parameters` (the norms are computed anyway).
        public var recordsTelemetry: Bool

        /// Creates options; the defaults are Algorithm 1 of the paper.
        public init(
            momentum: Float = 0.9, trustCoefficient: Float = 0.001, epsilon: Float = 0,
            denominator: Denominator = .paper, nesterov: Bool = false,
            placement: MomentumPlacement = .insideMomentum, rateMode: RateMode = .scale,
            nonFiniteGradients: NonFiniteGradientPolicy = .throwError, recordsTelemetry: Bool = true
        ) {
            precondition(momentum >= 0 && momentum < 1, "LARS: momentum must be in [0, 1), got \(momentum)")
            precondition(trustCoefficient > 0, "LARS: trust coefficient must be > 0, got \(trustCoefficient)")
            precondition(epsilon >= 0, "LARS: epsilon must be >= 0, got \(epsilon)")
            self.momentum = momentum
            self.trustCoefficient = trustCoefficient
            self.epsilon = epsilon
            self.denominator = denominator
            self.nesterov = nesterov
            self.placement = placement
            self.rateMode = rateMode
            self.nonFiniteGradients = nonFiniteGradients
            self.recordsTelemetry = recordsTelemetry
        }
    }

    /// The parameter groups, fixed at creation.
    public let groups: [ParameterGroup]
    /// The options this optimizer was created with.
    public let options: Options
    /// Completed (not skipped) steps: the schedule position.
    public private(set) var stepCount = 0
    /// The telemetry of the latest `step`.
    public private(set) var lastReport: StepReport?

    private let slots: [ParameterSlot]
    private var velocity: [Tensor]
    private var weightNorms: [Float]
    private var gradientNorms: [Float]

    /// Creates LARS over `groups` (for example `ParameterGroup.byKind(model.namedParameters,
    /// weightDecay: 5e-4)`), with zero momentum buffers.
    public init(groups: [ParameterGroup], options: Options = Options()) {
        self.groups = groups
        self.options = options
        self.slots = makeSlots(groups, optimizer: "LARS")
        self.velocity = zeroBuffers(for: slots)
        self.weightNorms = Array(repeating: 0, count: slots.count)
        self.gradientNorms = Array(repeating: 0, count: slots.count)
    }

    /// The trust ratio lambda from the norms, with the zero-norm rule.
    @inline(__always)
    func trustRatio(weightNorm nw: Float, gradientNorm ng: Float, decayedNorm nd: Float, decay beta: Float) -> Float {
        let gradientTerm = options.denominator == .paper ? ng : nd
        guard nw > 0, gradientTerm > 0 else { return 1 }
        let denominator = options.denominator == .paper ? ng + beta * nw : nd
        return options.trustCoefficient * nw / (denominator + options.epsilon)
    }

    /// Applies one update at global rate `learningRate` (see the type's formula); throws
    /// `OptimizerError.nonFiniteGradient` under `.throwError`.
    @discardableResult
    public func step(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        let backend = context.backend
        let checks = options.nonFiniteGradients != .unchecked

        // Pass 1 (only when checking): every norm before anything moves, so that a non-finite
        // gradient anywhere can stop or skip the whole step.
        if checks {
            for (i, slot) in slots.enumerated() {
                let p = slot.parameter
                let (nw, ng) = p.value.withUnsafeBufferPointer { w in
                    p.grad.withUnsafeBufferPointer { g in
                        euclideanNorms(count: w.count, w.baseAddress!, g.baseAddress!, backend: backend)
                    }
                }
                if !ng.isFinite {
                    if options.nonFiniteGradients == .throwError {
                        throw OptimizerError.nonFiniteGradient(optimizer: "LARS", parameter: slot.name)
                    }
                    lastReport = StepReport(step: stepCount, learningRate: learningRate, skippedBecauseOf: slot.name)
                    return lastReport!
                }
                weightNorms[i] = nw
                gradientNorms[i] = ng
            }
        }

        // Pass 2, per tensor: norms, then the fused update while the tensor is still in cache.
        var records: [ParameterStepRecord] = []
        if options.recordsTelemetry { records.reserveCapacity(slots.count) }
        for (i, slot) in slots.enumerated() {
            let group = groups[slot.group]
            let adapted = group.usesTrustRatio
            let rate = learningRate * group.learningRateMultiplier
            let beta = group.weightDecay
            let p = slot.parameter
            let n = p.value.count
            let m = options.momentum
            let nesterov = options.nesterov
            let wantsNorms = adapted || options.recordsTelemetry
            let denominatorForm = options.denominator
            let known: (Float, Float)? = checks ? (weightNorms[i], gradientNorms[i]) : nil
            p.value.withUnsafeMutableBufferPointer { wBuffer in
                p.grad.withUnsafeBufferPointer { gBuffer in
                    let w = wBuffer.baseAddress!, g = gBuffer.baseAddress!
                    var (nw, ng): (Float, Float) = known ?? (0, 0)
                    if wantsNorms && known == nil {
                        (nw, ng) = euclideanNorms(count: n, w, g, backend: backend)
                    }
                    var lambda: Float = 1
                    // effective: the factor on this step's direction; inside/outside: momentumStep's a and c.
                    var effective = rate
                    var inside = rate
                    var outside: Float = 1
                    if adapted {
                        let nd = denominatorForm == .updateNorm
                            ? decayedGradientNorm(count: n, gradient: g, weights: w, decay: beta) : 0
                        lambda = trustRatio(weightNorm: nw, gradientNorm: ng, decayedNorm: nd, decay: beta)
                        switch options.rateMode {
                        case .scale: effective = rate * lambda
                        case .clip: effective = min(lambda, rate)
                        }
                        switch options.placement {
                        case .insideMomentum:
                            inside = effective
                        case .afterMomentum:
                            // PyTorch wrappers scale the gradient by lambda (or min(lambda/gamma, 1)) and
                            // let SGD multiply by gamma after the buffer.
                            switch options.rateMode {
                            case .scale: inside = lambda
                            case .clip: inside = rate > 0 ? min(lambda / rate, 1) : 1
                            }
                            outside = rate
                        }
                    } else if options.placement == .afterMomentum {
                        inside = 1
                        outside = rate
                    }
                    velocity[i].withUnsafeMutableBufferPointer { v in
                        momentumStep(
                            count: n, weights: w, gradient: g, velocity: v.baseAddress!,
                            decay: beta, inside: inside, momentum: m, outside: outside, nesterov: nesterov)
                    }
                    if options.recordsTelemetry {
                        records.append(
                            ParameterStepRecord(
                                name: slot.name, group: group.name, weightNorm: nw,
                                gradientNorm: ng, trustRatio: lambda, effectiveLearningRate: effective))
                    }
                }
            }
        }
        let report = StepReport(step: stepCount, learningRate: learningRate, parameters: records)
        stepCount += 1
        lastReport = report
        return report
    }

    /// `lars.momentum.<name>` for each parameter and `lars.stepCount`.
    public func state() -> OptimizerState {
        var state = OptimizerState(scalars: ["lars.stepCount": Double(stepCount)])
        exportBuffers(velocity, prefix: "lars.momentum", slots: slots, into: &state)
        return state
    }

    /// Loads buffers and the step count written by `state()`; throws naming a missing,
    /// mis-shaped or foreign entry, and changes nothing on error.
    public func restore(_ state: OptimizerState) throws {
        let buffers = try importBuffers(from: state, prefix: "lars.momentum", slots: slots, optimizer: "LARS")
        let count = try importCounter(from: state, key: "lars.stepCount", optimizer: "LARS")
        velocity = buffers
        stepCount = count
    }
}
