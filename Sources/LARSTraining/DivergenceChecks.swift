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
    func checkDivergence(loss: Double, epoch: Int) throws {
        let step = optimizer.stepCount + 1
        if !loss.isFinite {
            throw TrainingError.diverged(epoch: epoch, step: step, reason: "the loss is \(loss)")
        }
        let limit = configuration.divergenceFactor * log(Double(max(trainSet.classCount, 2)))
        if configuration.divergenceFactor > 0 && loss > limit {
            throw TrainingError.diverged(
                epoch: epoch, step: step, reason: "the loss \(format(loss, 4)) exceeds \(format(limit, 4)) (\(format(configuration.divergenceFactor, 1)) x ln(classes))")
        }
    }

    /// Throws `TrainingError.diverged` naming the first parameter or buffer that holds NaN or
    /// infinity, so that such a state is never evaluated as a result or written to a checkpoint.
    func checkModelIsFinite(epoch: Int) throws {
        let tensors = parameters.map { ($0.name, $0.parameter.value) } + model.namedBuffers.map { ($0.name, $0.buffer.value) }
        for (name, tensor) in tensors where !tensor.scalars.allFinite {
            throw TrainingError.diverged(epoch: epoch, step: optimizer.stepCount, reason: "\(name) holds NaN or infinity")
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
