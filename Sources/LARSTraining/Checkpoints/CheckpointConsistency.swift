#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a checkpoint must agree on with the run resuming it beyond its configuration: the data
/// it was trained on, the normalisation computed from that data, a step count that matches its
/// epoch, and tensors that are a sound state. Each refusal names the file and the difference.
extension Trainer {
    /// Refuses a checkpoint whose step count does not end its epoch, whose optimizer counted
    /// other steps, or whose data or normalisation differ from this run's.
    func checkResumeConsistency(_ saved: CheckpointMetadata, path: String) throws {
        let expectedStep = saved.epoch * stepsPerEpoch
        // Skipped steps (the `skip` policy) are not counted: the count may fall short, never exceed.
        let skipping = configuration.nonFinite == .skipStep
        func fits(_ step: Double) -> Bool { skipping ? step <= Double(expectedStep) && step >= 0 : step == Double(expectedStep) }
        if let step = saved.step, !fits(Double(step)) {
            throw TrainingError.invalidFile(
                path: path,
                problem: "step \(step) does not end epoch \(saved.epoch): this run takes \(stepsPerEpoch) steps per epoch, so epoch \(saved.epoch) ends at step \(expectedStep)")
        }
        for (key, value) in saved.optimizerScalars.sorted(by: { $0.key < $1.key }) where key.hasSuffix("stepCount") {
            if !fits(value) || (saved.step.map { Double($0) != value } ?? false) {
                throw TrainingError.invalidFile(
                    path: path, problem: "the optimizer's \(key) is \(value), but the checkpoint is at step \(saved.step.map(String.init) ?? "?") and epoch \(saved.epoch) ends at step \(expectedStep)")
            }
        }
        if let data = saved.dataFingerprint, data != dataFingerprint {
            throw TrainingError.checkpointMismatch(
                path: path, problem: "it was trained on other data: the data was [\(data)], now it is [\(dataFingerprint)]")
        }
        if let stored = saved.normalization, stored != normalization.metadataString {
            throw TrainingError.checkpointMismatch(
                path: path,
                problem: "the training images' normalisation was \(stored), the data now gives \(normalization.metadataString)")
        }
    }

    /// Refuses tensors that are not a sound state (`ModelState.problem`): NaN, infinity, exploded
    /// values or a negative running variance in the model, non-finite values in the optimizer's
    /// state (names starting `optimizer/`).
    static func checkSoundness(_ tensors: [(String, Tensor)], path: String) throws {
        for (name, tensor) in tensors {
            let bound = !name.hasPrefix("optimizer/")
            if let problem = tensor.withUnsafeBufferPointer({ ModelState.problem(in: $0, name: name, boundMagnitude: bound) }) {
                throw TrainingError.invalidFile(path: path, problem: problem)
            }
        }
    }
}

/// `path` with symbolic links, `.` and `..` resolved (`realpath`, absolute), or `path` itself
/// when it does not exist: so that one directory spelled two ways compares equal.
public func resolvedPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
}
