/// Layer-wise telemetry of one parameter tensor in one step, taken from the norms the optimizer
/// computed anyway (no extra pass for LARS). This is the per-layer ‖w‖/‖g‖ table of the LARS
/// paper (Table 2), available at every step.
public struct ParameterStepRecord: Sendable, Equatable {
    /// The parameter's dotted name.
    public var name: String
    /// The name of its parameter group.
    public var group: String
    /// ‖w‖ before the update.
    public var weightNorm: Float
    /// ‖g‖ of the raw gradient (without weight decay).
    public var gradientNorm: Float
    /// The layer-wise trust ratio lambda (1 for groups without it and for the zero-norm fallback).
    public var trustRatio: Float
    /// The factor that multiplied this step's direction (`g + beta*w` for SGD/LARS, the Adam
    /// direction `r` for AdamW/LAMB): group learning rate times trust ratio, or the LARC-clipped value.
    public var effectiveLearningRate: Float

    /// Creates a record.
    public init(
        name: String, group: String, weightNorm: Float, gradientNorm: Float,
        trustRatio: Float, effectiveLearningRate: Float
    ) {
        self.name = name
        self.group = group
        self.weightNorm = weightNorm
        self.gradientNorm = gradientNorm
        self.trustRatio = trustRatio
        self.effectiveLearningRate = effectiveLearningRate
    }
}

/// What one call to `Optimizer.step` did.
public struct StepReport: Sendable, Equatable {
    /// The step index this call applied (the `stepCount` before it).
    public var step: Int
    /// The global learning rate passed in.
    public var learningRate: Float
    /// The parameter whose non-finite gradient caused a skip, or `nil` when the step was applied.
    public var skippedBecauseOf: String?
    /// Per-parameter telemetry, in group order. Empty for optimizers or options that record none.
    public var parameters: [ParameterStepRecord]

    /// Whether the step was skipped (policy `.skipStep` and a non-finite gradient).
    public var skipped: Bool { skippedBecauseOf != nil }

    /// Creates a report.
    public init(step: Int, learningRate: Float, skippedBecauseOf: String? = nil, parameters: [ParameterStepRecord] = []) {
        self.step = step
        self.learningRate = learningRate
        self.skippedBecauseOf = skippedBecauseOf
        self.parameters = parameters
    }
}
