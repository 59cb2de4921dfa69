import LARSCore

/// One parameter tensor during a step, as the shared loop hands it to an optimizer's rule: raw
/// pointers to its `count` values and gradient elements (same shape), and its group's settings.
struct TensorStep {
    /// The slot's position, which also indexes the optimizer's per-tensor buffers.
    let index: Int
    /// The parameter's dotted name and its group's name, for telemetry.
    let name: String
    let groupName: String
    /// The global learning rate times the group's multiplier.
    let rate: Float
    /// The group's weight decay beta.
    let weightDecay: Float
    /// Whether the group takes the layer-wise trust ratio (LARS, LAMB).
    let usesTrustRatio: Bool
    let count: Int
    let weights: UnsafeMutablePointer<Float>
    let gradient: UnsafePointer<Float>
    let backend: any KernelBackend
}

/// What the shared loop keeps for an optimizer: the groups and their slots, the non-finite
/// policy, the step count and the latest report.
struct StepLoopState {
    /// The optimizer's name, for errors.
    let optimizer: String
    let groups: [ParameterGroup]
    let slots: [ParameterSlot]
    let nonFiniteGradients: NonFiniteGradientPolicy
    /// Completed (not skipped) steps.
    var stepCount = 0
    var lastReport: StepReport?

    init(optimizer: String, groups: [ParameterGroup], nonFiniteGradients: NonFiniteGradientPolicy) {
        self.optimizer = optimizer
        self.groups = groups
        self.slots = makeSlots(groups, optimizer: optimizer)
        self.nonFiniteGradients = nonFiniteGradients
    }
}

/// An optimizer written as a rule for one tensor (`update`) on the one step loop every optimizer
/// shares (`runStep`), in the spirit of mlx-swift's `applySingle` and optax's transforms. The loop
/// owns what used to be repeated in each optimizer: the non-finite check before anything moves,
/// the skipped report, the per-group learning rate, collecting telemetry and counting the step.
protocol TensorwiseOptimizer: Optimizer {
    var loop: StepLoopState { get set }
    /// Whether `update` returns telemetry (lets the loop size the report once).
    var recordsTelemetry: Bool { get }
    /// Whether `inspect` runs even under `.unchecked` (LAMB reports ‖g‖ either way).
    var inspectsUnchecked: Bool { get }
    /// Looks at tensor `index`'s gradient before any tensor is updated and says whether it is
    /// finite. Default: one finiteness pass over the gradient. LARS and LAMB take the norms they
    /// need here instead, which tells the same for free.
    func inspect(index: Int, count: Int, weights: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
                 backend: any KernelBackend) -> Bool
    /// Updates one tensor in place. `inspected` says whether `inspect` saw it this step.
    /// Returns its telemetry, or `nil` when the optimizer records none.
    func update(_ tensor: TensorStep, inspected: Bool) -> ParameterStepRecord?
}

extension TensorwiseOptimizer {
    var recordsTelemetry: Bool { false }
    var inspectsUnchecked: Bool { false }

    func inspect(index: Int, count: Int, weights: UnsafePointer<Float>, gradient: UnsafePointer<Float>,
                 backend: any KernelBackend) -> Bool {
        allFinite(count: count, gradient)
    }

    /// One step at global rate `learningRate`: inspect every tensor (throw or skip on a
    /// non-finite gradient, changing nothing), then update each tensor at its group's rate.
    func runStep(learningRate: Float, context: ExecutionContext) throws -> StepReport {
        let slots = loop.slots
        let policy = loop.nonFiniteGradients
        let inspected = policy != .unchecked || inspectsUnchecked
        if inspected {
            for (i, slot) in slots.enumerated() {
                let p = slot.parameter
                let finite = inspect(
                    index: i, count: p.count, weights: p.unsafeValues, gradient: p.unsafeGradients,
                    backend: context.backend)
                if finite || policy == .unchecked { continue }
                if policy == .throwError {
                    throw OptimizerError.nonFiniteGradient(optimizer: loop.optimizer, parameter: slot.name)
                }
                let skipped = StepReport(step: loop.stepCount, learningRate: learningRate, skippedBecauseOf: slot.name)
                loop.lastReport = skipped
                return skipped
            }
        }
        var records: [ParameterStepRecord] = []
        if recordsTelemetry { records.reserveCapacity(slots.count) }
        for (i, slot) in slots.enumerated() {
            let group = loop.groups[slot.group]
            let p = slot.parameter
            let record = update(
                TensorStep(
                    index: i, name: slot.name, groupName: group.name,
                    rate: learningRate * group.learningRateMultiplier, weightDecay: group.weightDecay,
                    usesTrustRatio: group.usesTrustRatio, count: p.count, weights: p.unsafeValues,
                    gradient: p.unsafeGradients, backend: context.backend),
                inspected: inspected)
            if let record { records.append(record) }
        }
        let report = StepReport(step: loop.stepCount, learningRate: learningRate, parameters: records)
        loop.stepCount += 1
        loop.lastReport = report
        return report
    }
}
