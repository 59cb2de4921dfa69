import LARSCore

/// What every optimizer in this module offers: a step over its parameter groups, a step counter
/// and a state that can be saved to and restored from named tensors.
///
/// Optimizers are classes because they update shared `Parameter` objects in place and own
/// per-parameter buffers (momentum, Adam moments) that live as long as the run.
public protocol Optimizer: AnyObject {
    /// The groups this optimizer updates, fixed at creation.
    var groups: [ParameterGroup] { get }
    /// Completed (not skipped) steps; the position of the learning-rate schedule.
    var stepCount: Int { get }
    /// The telemetry of the latest call to `step`, or `nil` before the first.
    var lastReport: StepReport? { get }

    /// Applies one update with global learning rate `learningRate` (each group scales it by its
    /// multiplier) from the gradients currently stored in the parameters. Throws
    /// `OptimizerError.nonFiniteGradient` when a gradient holds NaN or infinity and the policy is
    /// `.throwError`; with `.skipStep` it leaves everything unchanged and reports a skipped step.
    @discardableResult
    func step(learningRate: Float, context: ExecutionContext) throws -> StepReport

    /// The buffers and counters needed to continue the run exactly, as named tensors and scalars.
    func state() -> OptimizerState

    /// Replaces the buffers and counters with `state`. Throws, naming the entry, when an entry is
    /// missing, has the wrong shape or is unknown; on error nothing is changed.
    func restore(_ state: OptimizerState) throws
}

/// What to do when a gradient contains NaN or infinity.
public enum NonFiniteGradientPolicy: String, Sendable, Codable, CaseIterable {
    /// Stop with `OptimizerError.nonFiniteGradient` naming the first offending parameter; nothing
    /// is updated. Every optimizer's default.
    case throwError = "error"
    /// Leave parameters, buffers and the step count unchanged and report the step as skipped
    /// (what mixed-precision loss scalers do after an overflow).
    case skipStep = "skip"
    /// Do not look (saves one read of the gradients in SGD and AdamW, where nothing else reads
    /// them whole before the update; NaN then propagates).
    case unchecked
}

/// Where the learning rate enters a momentum update. The two placements coincide while the
/// learning rate is constant and differ when it changes.
public enum MomentumPlacement: String, Sendable, Codable, CaseIterable {
    /// `v = m*v + lr*d; w -= v`: the rate is folded into the buffer, so a schedule acts on new
    /// gradients only. LARS Algorithm 1 (arXiv 1708.03888), TF Model Garden `classic_momentum`,
    /// optax `lars`, MLPerf reference, Caffe SGD.
    case insideMomentum = "inside"
    /// `v = m*v + d; w -= lr*v`: the rate scales the whole buffer. PyTorch `torch.optim.SGD`,
    /// torchlars, timm `Lars`, apex LARC (which wraps PyTorch SGD).
    case afterMomentum = "after"
}
