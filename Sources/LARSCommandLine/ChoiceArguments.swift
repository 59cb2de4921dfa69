import ArgumentParser
import LARSTraining

// `lars-train` and `lars-study` parse the configuration's choices directly: the allowed values
// and their help lines come from the enums (`ConfigurationChoice`), the defaults from
// `TrainingConfiguration()`, so no flag lists them again.

extension ExpressibleByArgument where Self: ConfigurationChoice {
    /// Each value's help line, from `ConfigurationChoice.summary`.
    public static var allValueDescriptions: [String: String] {
        Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0.summary) })
    }
}

extension OptimizerKind: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension BackendKind: ExpressibleByArgument {}
extension ModelKind: ExpressibleByArgument {}
extension DatasetKind: ExpressibleByArgument {}
extension LARS.Denominator: ExpressibleByArgument {}
extension MomentumPlacement: ExpressibleByArgument {}
extension NonFiniteGradientPolicy: ExpressibleByArgument {}

/// `--conv-engine onednn|im2col`; `openblas`, the im2col engine's stored name, is accepted too.
extension ConvolutionEngine: ExpressibleByArgument {
    /// The engine spelled `argument` (`ConvolutionEngine(name:)`).
    public init?(argument: String) { self.init(name: argument) }
    /// The spellings shown in help.
    public static var allValueStrings: [String] { allCases.map(\.description) }
    /// Each engine's help line.
    public static var allValueDescriptions: [String: String] {
        ["onednn": "oneDNN's primitives (when compiled in)", "im2col": "im2col + the kernel backend's gemm"]
    }
    /// The spelling shown as a default.
    public var defaultValueDescription: String { description }
}
