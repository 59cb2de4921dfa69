import LARSCore

/// A set of parameters that share optimizer settings: weight decay, a learning-rate multiplier and
/// whether the layer-wise trust ratio (LARS, LAMB) applies to them.
///
/// The default LARS grouping (`ParameterGroup.byKind`) decides by `Parameter.Kind`, never by name,
/// so BatchNorm layers with unusual names (a projection shortcut's `shortcut.bn`, torchvision's
/// `downsample.1`) cannot slip into the adapted group. Names stay available for custom groups
/// (`split(_:where:)`), logs and checkpoints.
public struct ParameterGroup {
    /// A label for logs and telemetry, such as `adapted` or `excluded`.
    public var name: String
    /// The parameters of the group, with their dotted names.
    public var parameters: [NamedParameter]
    /// The L2 coefficient beta (coupled for SGD/LARS, decoupled for AdamW/LAMB). 0 turns decay off.
    public var weightDecay: Float
    /// The group's learning rate is the global learning rate times this factor.
    public var learningRateMultiplier: Float
    /// Whether LARS/LAMB scale this group's step by the layer-wise trust ratio. Optimizers without a
    /// trust ratio (SGD, AdamW) ignore it.
    public var usesTrustRatio: Bool

    /// Creates a group.
    public init(
        name: String, parameters: [NamedParameter], weightDecay: Float = 0,
        learningRateMultiplier: Float = 1, usesTrustRatio: Bool = true
    ) {
        userPrecondition(weightDecay >= 0, "ParameterGroup \(name): weight decay must be >= 0, got \(weightDecay)")
        userPrecondition(
            learningRateMultiplier >= 0,
            "ParameterGroup \(name): learning-rate multiplier must be >= 0, got \(learningRateMultiplier)")
        self.name = name
        self.parameters = parameters
        self.weightDecay = weightDecay
        self.learningRateMultiplier = learningRateMultiplier
        self.usesTrustRatio = usesTrustRatio
    }

    /// The default grouping by parameter kind: `.weight` parameters (convolution and dense weights)
    /// go to an `adapted` group with the trust ratio and `weightDecay`; biases and normalisation
    /// scales and shifts go to an `excluded` group with neither (as in the MLPerf reference, timm's
    /// `filter_bias_and_bn`, VICReg and MoCo v3). Empty groups are dropped.
    public static func byKind(_ parameters: [NamedParameter], weightDecay: Float) -> [ParameterGroup] {
        let adapted = parameters.filter { $0.parameter.kind == .weight }
        let excluded = parameters.filter { $0.parameter.kind != .weight }
        return [
            ParameterGroup(name: "adapted", parameters: adapted, weightDecay: weightDecay, usesTrustRatio: true),
            ParameterGroup(name: "excluded", parameters: excluded, weightDecay: 0, usesTrustRatio: false),
        ].filter { !$0.parameters.isEmpty }
    }

    /// One group holding every parameter with the same settings (for plain SGD or AdamW runs that
    /// decay everything, or LARS runs that adapt everything, as torchlars and apex LARC do).
    public static func all(
        _ parameters: [NamedParameter], weightDecay: Float, usesTrustRatio: Bool = true
    ) -> [ParameterGroup] {
        [ParameterGroup(name: "all", parameters: parameters, weightDecay: weightDecay, usesTrustRatio: usesTrustRatio)]
    }

    /// Splits off the parameters for which `predicate` holds into a new group named `name` that
    /// starts with this group's settings (change them on the result). Returns the new group and
    /// the remainder, which keeps this group's name. Example: exclude a classifier head by name,
    /// `let (head, body) = group.split("head") { $0.name.hasPrefix("fc.") }`.
    public func split(
        _ name: String, where predicate: (NamedParameter) -> Bool
    ) -> (matching: ParameterGroup, rest: ParameterGroup) {
        var matching = self
        matching.name = name
        matching.parameters = parameters.filter(predicate)
        var rest = self
        rest.parameters = parameters.filter { !predicate($0) }
        return (matching, rest)
    }
}
