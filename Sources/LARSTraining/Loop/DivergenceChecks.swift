#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// When a run has diverged: a step's loss that is not finite or has exploded, or weights and
/// running statistics that are no longer finite. Every rank sees the same global loss and the
/// same weights, so every rank stops at the same step without waiting for the others.
extension Trainer {
    /// Throws `TrainingError.diverged` when a step's mean loss is not finite or exceeds
    /// `divergenceFactor * ln(classes)` (about 9.2 for ten classes at the default 4: a network
    /// that has blown up, not one that is merely learning slowly).
    /// The step that trips the check is logged in `steps.csv` (with `rate`, the rate it would
    /// have run at) before the error is thrown, so the log shows the loss that stopped the run.
    func checkDivergence(loss: Double, epoch: Int, rate: Float = 0) throws {
        let step = optimizer.stepCount + 1
        let limit = configuration.divergenceFactor * log(Double(max(trainSet.classCount, 2)))
        let tripped = !loss.isFinite || (configuration.divergenceFactor > 0 && loss > limit)
        if tripped && isRoot {
            // Indexed as the other rows of steps.csv: the step count before the step.
            stepLog?.append(["\(optimizer.stepCount)", "\(epoch)", "\(rate)", format(loss, 5)])
        }
        if !loss.isFinite {
            throw TrainingError.diverged(epoch: epoch, step: step, reason: "the loss is \(loss)")
        }
        if configuration.divergenceFactor > 0 && loss > limit {
            throw TrainingError.diverged(
                epoch: epoch, step: step, reason: "the loss \(format(loss, 4)) exceeds \(format(limit, 4)) (\(format(configuration.divergenceFactor, 1)) x ln(classes))")
        }
    }

    /// Under the `skip` policy, the most steps skipped in a row before the run gives up: a run
    /// whose gradients stay non-finite trains nothing while its schedule stands still.
    public static let skipLimit = 10

    /// After an optimizer step: gives up when `skipLimit` steps in a row were skipped, and
    /// checks the weights the step left (`checkModelState`).
    func checkStep(_ report: StepReport, epoch: Int) throws {
        if let reason = report.skippedBecauseOf {
            consecutiveSkips += 1
            if consecutiveSkips >= Self.skipLimit {
                throw TrainingError.diverged(
                    epoch: epoch, step: optimizer.stepCount + 1,
                    reason: "\(consecutiveSkips) steps in a row were skipped for non-finite gradients (the last: \(reason)); the run is giving up")
            }
            return
        }
        consecutiveSkips = 0
        // Weights only: they are the same on every rank after each step, so every rank stops at
        // the same step. BatchNorm statistics differ between ranks until the epoch's broadcast
        // and are checked after it (`trainEpoch`), or one rank could stop alone.
        try checkModelState(epoch: epoch, includingBuffers: false)
    }

    /// Throws `TrainingError.diverged` naming the first parameter or buffer that is not a sound
    /// state (`ModelState.problem`), so that such a state is never evaluated, stepped from or
    /// written to a checkpoint. One pass over the weights: cheap beside a step.
    func checkModelState(epoch: Int, includingBuffers: Bool = true) throws {
        for p in parameters {
            if let problem = p.parameter.withValues({ ModelState.problem(in: UnsafeBufferPointer($0), name: p.name) }) {
                throw TrainingError.diverged(epoch: epoch, step: optimizer.stepCount, reason: problem)
            }
        }
        for b in includingBuffers ? model.namedBuffers : [] {
            if let problem = b.buffer.value.withUnsafeBufferPointer({ ModelState.problem(in: $0, name: b.name) }) {
                throw TrainingError.diverged(epoch: epoch, step: optimizer.stepCount, reason: problem)
            }
        }
    }
}

extension Array where Element == Float {
    /// Whether every element is finite (one pass, no allocation).
    var allFinite: Bool {
        withUnsafeBufferPointer { buffer in
            var ok = true
            for x in buffer where !x.isFinite {
                ok = false
                break
            }
            return ok
        }
    }
}
