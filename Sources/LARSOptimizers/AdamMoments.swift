import LARSCore

/// The Adam hyper-parameters shared by AdamW and LAMB.
public struct AdamHyperparameters: Sendable, Equatable, Codable {
    /// Decay of the first moment, beta1.
    public var beta1: Float
    /// Decay of the second moment, beta2.
    public var beta2: Float
    /// Added to sqrt(v_hat) in the denominator.
    public var epsilon: Float
    /// Whether m and v are divided by (1 - beta^t). LAMB paper v3 drops it (cybertronai
    /// pytorch-lamb); optax, nnabla and gluon-nlp keep it by default, as we do.
    public var biasCorrection: Bool

    /// Creates the hyper-parameters.
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, biasCorrection: Bool = true) {
        userPrecondition(beta1 >= 0 && beta1 < 1, "Adam: beta1 must be in [0, 1), got \(beta1)")
        userPrecondition(beta2 >= 0 && beta2 < 1, "Adam: beta2 must be in [0, 1), got \(beta2)")
        userPrecondition(epsilon >= 0, "Adam: epsilon must be >= 0, got \(epsilon)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.biasCorrection = biasCorrection
    }

    /// (1 - beta1^t, 1 - beta2^t) for 1-based step `t`, or (1, 1) without bias correction.
    func corrections(step t: Int) -> (Float, Float) {
        guard biasCorrection else { return (1, 1) }
        let c1 = 1 - Elementary.pow(Double(beta1), Double(t))
        let c2 = 1 - Elementary.pow(Double(beta2), Double(t))
        return (Float(c1), Float(c2))
    }
}

/// The constants of one Adam step: the hyper-parameters and the bias corrections of step t.
struct AdamStep {
    let beta1, beta2, epsilon: Float
    let oneMinusBeta1, oneMinusBeta2: Float
    /// 1 - beta1^t and 1 - beta2^t (or 1 without bias correction).
    let correction1, correction2: Float

    init(_ h: AdamHyperparameters, step t: Int) {
        beta1 = h.beta1
        beta2 = h.beta2
        epsilon = h.epsilon
        oneMinusBeta1 = 1 - h.beta1
        oneMinusBeta2 = 1 - h.beta2
        (correction1, correction2) = h.corrections(step: t)
    }

    /// The one Adam moment update AdamW and LAMB share (Kingma & Ba, Algorithm 1), for one element
    /// with gradient `g`: updates `m` and `v` in place and returns the direction
    ///
    ///     m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g²
    ///     r = (m / (1-beta1^t)) / (sqrt(v / (1-beta2^t)) + eps)
    ///
    /// Divisions as written, not multiplications by reciprocals: that rounds once per correction
    /// and keeps AdamW's bits as they were before LAMB shared this code.
    @inline(__always)
    func direction(gradient g: Float, first m: inout Float, second v: inout Float) -> Float {
        m = beta1 * m + oneMinusBeta1 * g
        v = beta2 * v + oneMinusBeta2 * (g * g)
        return (m / correction1) / ((v / correction2).squareRoot() + epsilon)
    }
}

/// The state of an Adam-family optimizer: `<prefix>.m.<name>`, `<prefix>.v.<name>` and
/// `<prefix>.stepCount`.
func adamState(
    prefix: String, first: StateBuffer, second: StateBuffer, stepCount: Int, slots: [ParameterSlot]
) -> OptimizerState {
    var state = OptimizerState(scalars: ["\(prefix).stepCount": Double(stepCount)])
    first.export(prefix: "\(prefix).m", slots: slots, into: &state)
    second.export(prefix: "\(prefix).v", slots: slots, into: &state)
    return state
}

/// Reads what `adamState` wrote; throws naming a missing, mis-shaped or foreign entry.
func readAdamState(
    _ state: OptimizerState, prefix: String, optimizer: String, slots: [ParameterSlot]
) throws -> (first: StateBuffer, second: StateBuffer, stepCount: Int) {
    let m = try StateBuffer.read(from: state, prefix: "\(prefix).m", slots: slots, optimizer: optimizer)
    let v = try StateBuffer.read(from: state, prefix: "\(prefix).v", slots: slots, optimizer: optimizer)
    let count = try importCounter(from: state, key: "\(prefix).stepCount", optimizer: optimizer)
    return (m, v, count)
}
