/// The arithmetic of LARS for one layer, apart from any buffer: from the layer's norms and its
/// group's settings to the trust ratio and the two rates of its momentum step. A pure function of
/// value types, so the formula can be read and tested on its own (`LARS.factors(for:options:)`).
extension LARS {
    /// What the step of one tensor depends on besides its elements.
    public struct LayerInput: Sendable, Equatable {
        /// ‖w‖ before the update.
        public var weightNorm: Float
        /// ‖g‖ of the raw gradient.
        public var gradientNorm: Float
        /// ‖g + beta*w‖; read only by the `.updateNorm` denominator (0 otherwise).
        public var decayedGradientNorm: Float
        /// The group's weight decay beta.
        public var weightDecay: Float
        /// gamma: the global learning rate times the group's multiplier.
        public var learningRate: Float
        /// Whether the group takes the trust ratio (`ParameterGroup.usesTrustRatio`).
        public var usesTrustRatio: Bool

        /// Creates the input.
        public init(
            weightNorm: Float, gradientNorm: Float, decayedGradientNorm: Float = 0, weightDecay: Float,
            learningRate: Float, usesTrustRatio: Bool = true
        ) {
            self.weightNorm = weightNorm
            self.gradientNorm = gradientNorm
            self.decayedGradientNorm = decayedGradientNorm
            self.weightDecay = weightDecay
            self.learningRate = learningRate
            self.usesTrustRatio = usesTrustRatio
        }
    }

    /// What LARS does to one tensor this step.
    public struct Factors: Sendable, Equatable {
        /// The trust ratio lambda (1 for groups without it and for the zero-norm fallback).
        public var trustRatio: Float
        /// The factor on this step's direction `g + beta*w`: gamma*lambda, or min(lambda, gamma)
        /// when clipping (the telemetry's `effectiveLearningRate`).
        public var effectiveLearningRate: Float
        /// Where that factor enters the momentum step (`MomentumRates`).
        public var rates: MomentumRates
    }

    /// The trust ratio of Algorithm 1 (You, Gitman & Ginsburg 2017, line 3), with the variants:
    ///
    ///     lambda = eta * ‖w‖ / (‖g‖ + beta*‖w‖ + eps)      (.paper)
    ///     lambda = eta * ‖w‖ / (‖g + beta*w‖ + eps)          (.updateNorm)
    ///     lambda = 1   when ‖w‖ = 0 or the gradient term (‖g‖, or ‖g + beta*w‖) is 0
    ///
    /// The fallback is not in the paper; every implementation adds it so that a zero-initialised
    /// layer still moves and 0/0 never occurs.
    public static func trustRatio(_ layer: LayerInput, options: Options) -> Float {
        let paper = options.denominator == .paper
        let gradientTerm = paper ? layer.gradientNorm : layer.decayedGradientNorm
        guard layer.weightNorm > 0, gradientTerm > 0 else { return 1 }
        let denominator = paper ? layer.gradientNorm + layer.weightDecay * layer.weightNorm : gradientTerm
        return options.trustCoefficient * layer.weightNorm / (denominator + options.epsilon)
    }

    /// The trust ratio and the momentum step's rates for one tensor:
    ///
    ///     rate inside the buffer (paper):   v = m*v + gamma*lambda*d;  w -= v
    ///     rate after it (PyTorch wrappers): v = m*v + lambda*d;        w -= gamma*v
    ///
    /// With LARC clipping the local rate is min(lambda, gamma) inside the buffer, and the
    /// PyTorch wrappers' min(lambda/gamma, 1) after it. A group without the trust ratio gets
    /// plain momentum SGD at rate gamma with the same placement.
    public static func factors(for layer: LayerInput, options: Options) -> Factors {
        let gamma = layer.learningRate
        guard layer.usesTrustRatio else {
            return Factors(trustRatio: 1, effectiveLearningRate: gamma, rates: options.placement.rates(gamma))
        }
        let lambda = trustRatio(layer, options: options)
        switch (options.rateMode, options.placement) {
        case (.scale, .insideMomentum):
            return Factors(trustRatio: lambda, effectiveLearningRate: gamma * lambda,
                           rates: MomentumRates(bufferRate: gamma * lambda, stepRate: 1))
        case (.scale, .afterMomentum):
            return Factors(trustRatio: lambda, effectiveLearningRate: gamma * lambda,
                           rates: MomentumRates(bufferRate: lambda, stepRate: gamma))
        case (.clip, .insideMomentum):
            let local = min(lambda, gamma)
            return Factors(trustRatio: lambda, effectiveLearningRate: local,
                           rates: MomentumRates(bufferRate: local, stepRate: 1))
        case (.clip, .afterMomentum):
            return Factors(trustRatio: lambda, effectiveLearningRate: min(lambda, gamma),
                           rates: MomentumRates(bufferRate: gamma > 0 ? min(lambda / gamma, 1) : 1, stepRate: gamma))
        }
    }
}
