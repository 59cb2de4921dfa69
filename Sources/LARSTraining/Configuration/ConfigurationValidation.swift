/// Checks of a `TrainingConfiguration` made before any work: every choice known, every number
/// finite and inside its range, the options consistent with each other. One message names the
/// option (by its `lars-train` flag) and the allowed range, so a bad value costs nothing.
extension TrainingConfiguration {
    /// The most epochs a run may ask for: far beyond any real run, small enough that step
    /// counts (epochs x steps per epoch) cannot overflow.
    public static let maximumEpochs = 1_000_000
    /// The largest `--lr` accepted (lars-study bounds its grid by it too).
    public static let maximumLearningRate = 1e6
    /// The largest batch, micro-batch or image limit accepted: 2^24 images.
    public static let maximumImages = 1 << 24

    /// Throws unless `model` names a built-in model (`ModelKind`); a `Trainer` given its
    /// model by the caller accepts any name.
    public func validateBuiltInModel() throws {
        try Self.check(model.builtIn != nil, "unknown model '\(model)' (\(ModelKind.allowedValues))")
    }

    /// Throws `TrainingError.invalidConfiguration` when an option holds a value that is not
    /// finite or outside its range, or contradicts another option (the choices are enums).
    public func validate() throws {
        try validateChoices()
        try validateCounts()
        try validateRates()
        try validateSchedule()
        try validateMeasurement()
        try OutputPath.validate(outputDirectory)
        if let dataDirectory {
            try Self.check(!dataDirectory.isEmpty, "--data-dir must name a directory, got an empty path")
        }
    }

    static func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
        if !ok { throw TrainingError.invalidConfiguration(message()) }
    }

    /// `value` is finite and inside `range`, or the message names `flag` and the range.
    static func check(_ value: Double, _ flag: String, in range: ClosedRange<Double>, openLower: Bool = false, openUpper: Bool = false) throws {
        let lower = openLower ? value > range.lowerBound : value >= range.lowerBound
        let upper = openUpper ? value < range.upperBound : value <= range.upperBound
        let interval = (openLower ? "(" : "[") + "\(format(range.lowerBound))" + ", " + "\(format(range.upperBound))" + (openUpper ? ")" : "]")
        try check(value.isFinite && lower && upper, "\(flag) must be a finite number in \(interval), got \(value)")
    }

    /// A bound as written by a person: `1e+06` for a million, `0` for zero.
    private static func format(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : "\(x)"
    }

    private func validateChoices() throws {
        try Self.check(!model.rawValue.isEmpty, "the model needs a name (a built-in model's, or any for a model built by the caller)")
        let engine = convolutionEngine ?? .default
        try Self.check(
            engine.isAvailable,
            "the \(engine) convolution engine is not compiled into this build (install libdnnl-dev and rebuild, or use --conv-engine im2col)")
    }

    private func validateCounts() throws {
        let images = Self.maximumImages
        try Self.check((1...images).contains(batchSize), "-b/--batch-size must be in [1, \(images)], got \(batchSize)")
        try Self.check((1...images).contains(microBatches), "--grad-accum-steps must be in [1, \(images)], got \(microBatches)")
        try Self.check((1...images).contains(microBatchLimit ?? 1), "--micro-batch must be in [1, \(images)], got \(microBatchLimit ?? 0)")
        try Self.check(batchSize % microBatches == 0, "batch size \(batchSize) is not divisible by \(microBatches) accumulation steps")
        if let trainLimit { try Self.check(trainLimit >= 1, "--train-limit must be at least 1, got \(trainLimit)") }
        if let testLimit { try Self.check(testLimit >= 1, "--test-limit must be at least 1, got \(testLimit)") }
        try Self.check(validationCount >= 0, "--validation must be >= 0 images, got \(validationCount)")
        if let cropPadding { try Self.check((0...64).contains(cropPadding), "--crop-padding must be in [0, 64] pixels, got \(cropPadding)") }
        try Self.check((1...Self.maximumEpochs).contains(epochs), "--epochs must be in [1, \(Self.maximumEpochs)], got \(epochs)")
        try Self.check((1...1024).contains(threads), "--threads must be in [1, 1024], got \(threads)")
        try Self.check((1...1024).contains(replicas ?? 1), "--replicas must be in [1, 1024], got \(replicas ?? 0)")
        try Self.check((replicas ?? threads) <= threads, "\(replicas ?? threads) replicas need at least as many threads, got \(threads)")
        try Self.check((1...Self.maximumEpochs).contains(evalEvery), "--eval-every must be in [1, \(Self.maximumEpochs)] epochs, got \(evalEvery)")
        try Self.check((1...images).contains(evalBatchSize), "the evaluation batch must be in [1, \(images)] images, got \(evalBatchSize)")
    }

    private func validateRates() throws {
        try Self.check(Double(learningRate), "--lr", in: 0...Self.maximumLearningRate, openLower: true)
        try Self.check(Double(momentum), "--momentum", in: 0...1, openUpper: true)
        try Self.check(Double(beta2), "beta2", in: 0...1, openUpper: true)
        try Self.check(Double(weightDecay), "--weight-decay", in: 0...1)
        try Self.check(Double(trustCoefficient), "--trust-coefficient", in: 0...1e3, openLower: true)
        if let epsilon { try Self.check(Double(epsilon), "--opt-eps", in: 0...1) }
        try Self.check(Double(labelSmoothing), "--smoothing", in: 0...1, openUpper: true)
        try Self.check(divergenceFactor, "--divergence-factor", in: 0...1e6)
    }

    private func validateSchedule() throws {
        // A warm-up longer than the run is odd but well defined (the rate never reaches its peak).
        try Self.check(warmupEpochs, "--warmup-epochs", in: 0...Double(Self.maximumEpochs))
        try Self.check(Double(polyPower), "--poly-power", in: 0...100, openLower: true)
        try Self.check(Double(minLearningRate), "--min-lr", in: 0...Double(TrainingPlan.peakLearningRate(self)))
        try Self.check(Double(decayRate), "--decay-rate", in: 0...1, openLower: true)
        try Self.check(!decayEpochs.isEmpty || ![.step, .multistep].contains(schedule), "--decay-epochs needs at least one value for the \(schedule) schedule")
        for value in decayEpochs {
            try Self.check(value, "--decay-epochs", in: 0...Double(Self.maximumEpochs), openLower: true)
        }
        if schedule == .multistep {
            try Self.check(decayEpochs == decayEpochs.sorted(), "--decay-epochs milestones must be increasing, got \(decayEpochs)")
        }
    }
}
