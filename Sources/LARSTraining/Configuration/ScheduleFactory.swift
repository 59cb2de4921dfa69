/// Builds the per-step learning-rate schedule a configuration names: linear warm-up (in epochs)
/// in front of poly, cosine, step, multi-step or constant, with epochs converted to steps.
public enum ScheduleFactory {
    /// The schedule for a run of `configuration.epochs` epochs of `stepsPerEpoch` steps, rising
    /// to `peakLearningRate` (`TrainingPlan.peakLearningRate`).
    public static func make(
        _ configuration: TrainingConfiguration, peakLearningRate peak: Float, stepsPerEpoch: Int
    ) throws -> LearningRateSchedule {
        let c = configuration
        let total = c.epochs * stepsPerEpoch
        let warmup = min(Int((c.warmupEpochs * Double(stepsPerEpoch)).rounded()), max(total - 1, 0))
        let decaySteps = max(total - warmup, 1)
        let body: LearningRateSchedule
        switch c.schedule {
        case .poly:
            body = .polynomial(initial: peak, end: c.minLearningRate, steps: decaySteps, power: c.polyPower)
        case .cosine:
            body = .cosine(initial: peak, end: c.minLearningRate, steps: decaySteps)
        case .step:
            let every = max(1, Int(((c.decayEpochs.first ?? 30) * Double(stepsPerEpoch)).rounded()))
            body = .step(initial: peak, every: every, factor: c.decayRate)
        case .multistep:
            // Milestones are absolute epochs; the body's clock starts after warm-up.
            let milestones = c.decayEpochs.map { max(0, Int(($0 * Double(stepsPerEpoch)).rounded()) - warmup) }
            body = .multiStep(initial: peak, milestones: milestones, factor: c.decayRate)
        case .constant:
            body = .constant(peak)
        }
        return warmup > 0 ? .linearWarmup(steps: warmup, then: body) : body
    }
}
