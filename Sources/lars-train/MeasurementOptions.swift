import ArgumentParser
import SwiftLARS

/// lars-train's flags for measuring how training scales: step-wise validation, steps to a
/// target, and the gradient noise scale.
struct MeasurementOptions: ParsableArguments {
    @Option(
        name: .customLong("eval-every-steps"),
        help: "Evaluate the validation split every N optimizer steps (0: only at epoch ends). Default: about 8 times an epoch when --validation is given.")
    var evalEverySteps: Int?
    @Option(help: "Validation accuracies whose first step is written to targets.csv, comma-separated (default: 0.90,0.92).")
    var targets: String?
    @Flag(name: .customLong("stop-at-target"), help: "Stop once validation accuracy has reached every target (needs --validation).")
    var stopAtTarget = false
    @Flag(
        name: .customLong("noise-scale-split"),
        help: "Cut a step of one pass into two micro-batches so that the gradient noise scale is measured (BatchNorm then normalises each half; default: measured only when a step already has several micro-batches or processes).")
    var noiseScaleSplit = false

    /// Puts the flags into `c`.
    func apply(to c: inout TrainingConfiguration) throws {
        c.evalEverySteps = evalEverySteps
        if let targets {
            c.targets = try targets.split(separator: ",").map {
                guard let value = Double($0.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--targets: '\($0)' is not a number (0.90,0.92)")
                }
                return value
            }
        }
        c.stopAtTarget = stopAtTarget ? true : nil
        c.noiseScaleSplit = noiseScaleSplit ? true : nil
    }
}
