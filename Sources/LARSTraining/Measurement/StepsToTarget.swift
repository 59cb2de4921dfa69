/// One evaluation of the validation split during training (`validation_steps.csv`).
public struct ValidationPoint: Sendable, Equatable {
    /// Optimizer steps completed when evaluated.
    public var step: Int
    /// The 1-based epoch the step belongs to.
    public var epoch: Int
    /// Mean cross-entropy on the validation split.
    public var loss: Double
    /// Top-1 accuracy on the validation split, in [0, 1].
    public var accuracy: Double

    /// A point.
    public init(step: Int, epoch: Int, loss: Double, accuracy: Double) {
        self.step = step
        self.epoch = epoch
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// When a run first reached a validation-accuracy target (Shallue et al. 2019, "Measuring the
/// Effects of Data Parallelism on Neural Network Training", arXiv 1811.03600: steps to a target
/// is what batch size buys). One row of `targets.csv`.
public struct TargetReached: Sendable, Equatable {
    /// The validation accuracy aimed at, in (0, 1].
    public var target: Double
    /// The first evaluated step at which validation accuracy reached `target`, or `nil`: never.
    public var step: Int?
    /// The epoch of `step`.
    public var epoch: Int?
    /// The validation accuracy measured at `step`.
    public var accuracy: Double?

    /// A record: `step`, `epoch` and `accuracy` are nil for a target never reached.
    public init(target: Double, step: Int?, epoch: Int?, accuracy: Double?) {
        self.target = target
        self.step = step
        self.epoch = epoch
        self.accuracy = accuracy
    }

    /// For each target (in the order given), the first point whose accuracy is at or above it.
    /// `points` must be in step order. The resolution is the evaluation interval: the true
    /// crossing lies between the previous evaluation and `step`.
    public static func first(in points: [ValidationPoint], targets: [Double]) -> [TargetReached] {
        targets.map { target in
            let hit = points.first { $0.accuracy >= target }
            return TargetReached(target: target, step: hit?.step, epoch: hit?.epoch, accuracy: hit?.accuracy)
        }
    }

    /// Default targets: 90 % (Shallue et al.'s Fashion-MNIST target, 0.10 validation error) and
    /// a higher one, 92 %.
    public static let defaultTargets = [0.90, 0.92]
}

extension TrainingConfiguration {
    /// The validation targets in force: `targets` or `TargetReached.defaultTargets`.
    public var resolvedTargets: [Double] { targets ?? TargetReached.defaultTargets }

    /// Optimizer steps between evaluations of the validation split for `stepsPerEpoch` steps an
    /// epoch, or 0 for none: `evalEverySteps` when set (0 switches it off), otherwise about eight
    /// times an epoch (at least every step), and none without a validation split.
    public func validationInterval(stepsPerEpoch: Int) -> Int {
        guard validationCount > 0 else { return 0 }
        if let evalEverySteps { return max(0, evalEverySteps) }
        return max(1, stepsPerEpoch / 8)
    }
}

extension TrainingConfiguration {
    /// Checks the step-wise validation settings: an interval of at least 0 steps, targets in
    /// (0, 1], and a validation split for `stopAtTarget` (it stops on validation accuracy, never
    /// the test set's).
    func validateMeasurement() throws {
        if let evalEverySteps {
            try Self.check(evalEverySteps >= 0, "--eval-every-steps must be >= 0 (0: only at epoch ends), got \(evalEverySteps)")
        }
        for target in targets ?? [] {
            try Self.check(target, "--targets", in: 0...1, openLower: true)
        }
        if targets != nil { try Self.check(!(targets ?? []).isEmpty, "--targets needs at least one accuracy") }
        if stopAtTarget ?? false {
            try Self.check(validationCount > 0, "--stop-at-target stops on validation accuracy: give --validation N")
            try Self.check(evalEverySteps != 0, "--stop-at-target needs step-wise validation, but --eval-every-steps is 0")
        }
    }
}
