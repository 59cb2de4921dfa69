/// Builds the optimizer a configuration names over a model's parameters, grouped by kind.
public enum OptimizerFactory {
    /// The parameter groups of a run: by kind (weights adapted and decayed; biases and
    /// BatchNorm parameters neither) unless exclusion is switched off, in which case every
    /// parameter is adapted and decayed (torchlars and apex LARC behave that way).
    public static func groups(_ configuration: TrainingConfiguration, parameters: [NamedParameter]) -> [ParameterGroup] {
        configuration.excludeBiasAndNorm
            ? ParameterGroup.byKind(parameters, weightDecay: configuration.weightDecay)
            : ParameterGroup.all(parameters, weightDecay: configuration.weightDecay, usesTrustRatio: true)
    }

    /// The optimizer named by `configuration.optimizer` with the configuration's options.
    public static func make(_ configuration: TrainingConfiguration, parameters: [NamedParameter]) throws -> any Optimizer {
        let c = configuration
        let groups = groups(c, parameters: parameters)
        let nonFinite = c.nonFinite
        let placement = c.momentumPlacement
        switch c.optimizer {
        case .lars:
            return LARS(
                groups: groups,
                options: LARS.Options(
                    momentum: c.momentum, trustCoefficient: c.trustCoefficient, epsilon: c.epsilon ?? 0,
                    denominator: c.larsDenominator, nesterov: c.nesterov,
                    placement: placement, rateMode: c.larcClip ? .clip : .scale, nonFiniteGradients: nonFinite))
        case .lamb:
            return LAMB(
                groups: groups,
                hyperparameters: AdamHyperparameters(beta1: c.momentum, beta2: c.beta2, epsilon: c.epsilon ?? 1e-6),
                nonFiniteGradients: nonFinite)
        case .sgd:
            return SGD(
                groups: groups, momentum: c.momentum, nesterov: c.nesterov, placement: placement,
                nonFiniteGradients: nonFinite)
        case .adamw:
            return AdamW(
                groups: groups,
                hyperparameters: AdamHyperparameters(beta1: c.momentum, beta2: c.beta2, epsilon: c.epsilon ?? 1e-8),
                nonFiniteGradients: nonFinite)
        }
    }
}
