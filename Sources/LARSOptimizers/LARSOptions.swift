import LARSCore

/// The hyper-parameters and variants of `LARS`: the denominator form, the rate mode and the
/// options that select them. The defaults are Algorithm 1 of the paper.
extension LARS {
    /// How the gradient term of the trust-ratio denominator is formed; raw values as
    /// `lars-train --lars-denominator` spells them.
    public enum Denominator: String, Sendable, Codable, CaseIterable {
        /// `‖g‖ + beta*‖w‖ + eps`: the paper, MLPerf reference, torchlars, apex LARC, timm, flax.
        case paper
        /// `‖g + beta*w‖ + eps`: TF Model Garden, SimCLR, optax `lars`, BYOL, VICReg, MoCo v3.
        case updateNorm = "update-norm"
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
            userPrecondition(momentum >= 0 && momentum < 1, "LARS: momentum must be in [0, 1), got \(momentum)")
            userPrecondition(trustCoefficient > 0, "LARS: trust coefficient must be > 0, got \(trustCoefficient)")
            userPrecondition(epsilon >= 0, "LARS: epsilon must be >= 0, got \(epsilon)")
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
}
