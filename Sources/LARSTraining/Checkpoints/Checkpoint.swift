import Foundation

/// Saving and restoring a run in the safetensors format: every parameter and buffer under its
/// dotted name, the optimizer's buffers under `optimizer/<key>`, and in the metadata the epoch,
/// step, schedule, generator state, normalisation, the run's configuration and its plan (JSON).
///
/// Python reads it with `safetensors.numpy.load_file(path)`; the metadata is in the header.
extension Trainer {
    /// The value of the `format` metadata entry.
    /// Version 2 made the integrity entries (`step`, `normalization`, `data`, `tensors_hash`)
    /// required; version 1 files, written before, still load (`CheckpointMetadata.olderFormats`).
    public static let checkpointFormat = "swift-lars-checkpoint-2"

    /// Writes the run's state to `path` atomically (temporary file, fsync, rename), so that a
    /// run killed at any moment leaves the previous checkpoint intact.
    public func saveCheckpoint(to path: String) throws {
        var tensors: [(String, Tensor)] = []
        for p in parameters { tensors.append((p.name, p.parameter.value)) }
        for b in model.namedBuffers { tensors.append((b.name, b.buffer.value)) }
        let state = optimizer.state()
        for key in state.tensors.keys.sorted() { tensors.append(("optimizer/" + key, state.tensors[key]!)) }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let configJSON = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        let planJSON = String(decoding: try encoder.encode(plan), as: UTF8.self)
        let scalarsJSON = String(decoding: try encoder.encode(state.scalars), as: UTF8.self)
        let metadata: [String: String] = [
            "format": Self.checkpointFormat,
            "epoch": "\(completedEpochs)",
            "step": "\(optimizer.stepCount)",
            "schedule": "\(schedule)",
            "generator": generator.stateWords.map { "\($0)" }.joined(separator: ","),
            "normalization": normalization.metadataString,
            "optimizer": configuration.optimizer.rawValue,
            "optimizer_scalars": scalarsJSON,
            "configuration": configJSON,
            "plan": planJSON,
            "data": dataFingerprint,
            // What `TrainedModel.load(from:)` needs to rebuild a built-in model without the data.
            "input_shape": "\(trainSet.channels)x\(trainSet.height)x\(trainSet.width)",
            "classes": "\(trainSet.classCount)",
            "tensors_hash": Self.tensorsHash(tensors),
        ].merging(bestScore.map { ["best_score": "\($0)"] } ?? [:]) { a, _ in a }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Restores parameters, buffers, optimizer state, epoch and generator from `path`. The
    /// checkpoint must come from a run with the same trajectory-defining configuration, the same
    /// micro-batch split in its plan and the same model; otherwise nothing is changed and a
    /// `TrainingError` says what differs.
    public func loadCheckpoint(from path: String) throws {
        let file = try SafeTensors.read(path)
        let saved = try CheckpointMetadata.parse(file.metadata, path: path)
        try checkSameTrajectory(saved, path: path)
        try checkResumeConsistency(saved, path: path)
        let state = try checkedState(in: file, saved, path: path)
        do {
            try optimizer.restore(OptimizerState(tensors: state.optimizer, scalars: saved.optimizerScalars))
        } catch {
            throw TrainingError.checkpointMismatch(path: path, problem: "optimizer state: \(error)")
        }
        for (p, v) in zip(parameters, state.parameters) { p.parameter.value = v }
        for (b, v) in zip(model.namedBuffers, state.buffers) { b.buffer.value = v }
        generator = SeededGenerator(state: saved.generatorWords)
        completedEpochs = saved.epoch
        bestScore = saved.bestScore
        resumed = (path, saved.epoch)
    }

    /// Refuses a checkpoint written with settings that change the trajectory (configurations
    /// compared with their data named as each plan resolved it), another micro-batch split, or
    /// more epochs than this run has.
    func checkSameTrajectory(_ saved: CheckpointMetadata, path: String) throws {
        func compared(_ c: TrainingConfiguration, _ plan: TrainingPlan) -> TrainingConfiguration {
            var named = c
            named.dataset = c.dataset ?? plan.dataName
            return named.trajectoryFingerprint
        }
        let differences = Self.differences(compared(saved.configuration, saved.plan), compared(configuration, plan))
            + plan.trajectoryDifferences(from: saved.plan)
        guard differences.isEmpty else {
            throw TrainingError.checkpointMismatch(
                path: path, problem: "it was written with different settings: " + differences.joined(separator: "; "))
        }
        guard saved.epoch <= configuration.epochs else {
            throw TrainingError.invalidFile(path: path, problem: "epoch '\(saved.epoch)' is not an epoch of this run")
        }
    }

    /// The checkpoint's parameter, buffer and optimizer tensors, all checked before anything is
    /// changed: present, of the model's shapes, finite, matching the recorded hash, and none
    /// that is not the model's.
    func checkedState(
        in file: SafeTensorsFile, _ saved: CheckpointMetadata, path: String
    ) throws -> (parameters: [Tensor], buffers: [Tensor], optimizer: [String: Tensor]) {
        func value(_ name: String, shape: [Int]) throws -> Tensor {
            guard let t = file.tensors[name] else {
                throw TrainingError.checkpointMismatch(path: path, problem: "it has no tensor '\(name)'")
            }
            guard t.shape == shape else {
                throw TrainingError.checkpointMismatch(path: path, problem: "'\(name)' has shape \(t.shape), the model has \(shape)")
            }
            return t
        }
        let parameterValues = try parameters.map { try value($0.name, shape: $0.parameter.shape) }
        let buffers = model.namedBuffers
        let bufferValues = try buffers.map { try value($0.name, shape: $0.buffer.value.shape) }
        try Self.checkSoundness(
            zip(parameters.map(\.name) + buffers.map(\.name), parameterValues + bufferValues).map { ($0, $1) }, path: path)
        var optimizerTensors: [String: Tensor] = [:]
        for (name, tensor) in file.tensors where name.hasPrefix("optimizer/") {
            optimizerTensors[String(name.dropFirst("optimizer/".count))] = tensor
        }
        try Self.checkSoundness(optimizerTensors.sorted { $0.key < $1.key }.map { ("optimizer/" + $0.key, $0.value) }, path: path)
        // After the checks that name a tensor: a value that is still plausible but not the one
        // written (a flipped bit) is caught here.
        if let recorded = saved.tensorsHash {
            let actual = Self.tensorsHash(file.names.map { ($0, file.tensors[$0]!) })
            guard actual == recorded else {
                throw TrainingError.invalidFile(
                    path: path, problem: "its tensors do not match the hash recorded when it was written (\(recorded), now \(actual)): the file was changed or damaged")
            }
        }
        let known = Set(parameters.map(\.name)).union(buffers.map(\.name))
        if let stray = file.tensors.keys.sorted().first(where: { !$0.hasPrefix("optimizer/") && !known.contains($0) }) {
            throw TrainingError.checkpointMismatch(path: path, problem: "tensor '\(stray)' is not part of the model")
        }
        return (parameterValues, bufferValues, optimizerTensors)
    }

    /// The configuration a checkpoint was written with, read from its metadata. (Checkpoints
    /// written before `TrainingPlan` existed hold the resolved micro-batch count in
    /// `microBatches`.)
    public static func savedConfiguration(at path: String) throws -> TrainingConfiguration {
        try CheckpointMetadata.parse(try SafeTensors.read(path).metadata, path: path).configuration
    }

    /// The plan of the run that wrote a checkpoint: what a run resuming it passes as
    /// `resuming` to keep its micro-batch split.
    public static func savedPlan(at path: String) throws -> TrainingPlan {
        try CheckpointMetadata.parse(try SafeTensors.read(path).metadata, path: path).plan
    }

    /// Decodes a saved configuration, taking today's default for any field added after the
    /// checkpoint was written, so that older checkpoints stay readable.
    /// `requiredFields` must be in the saved JSON itself.
    static func decodeConfiguration(_ json: String, path: String, requiredFields: [String] = []) throws -> TrainingConfiguration {
        let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingConfiguration())) as? [String: Any] ?? [:]
        guard let saved = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw TrainingError.invalidFile(path: path, problem: "configuration metadata is not a JSON object")
        }
        if let missing = requiredFields.first(where: { saved[$0] == nil }) {
            throw TrainingError.invalidFile(
                path: path, problem: "configuration metadata has no '\(missing)' field, which every \(checkpointFormat) checkpoint records")
        }
        let merged = defaults.merging(saved) { _, stored in stored }
        return try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: merged))
    }

    /// Human-readable differences between two configurations, field by field.
    static func differences(_ a: TrainingConfiguration, _ b: TrainingConfiguration) -> [String] {
        guard a != b else { return [] }
        let encoder = JSONEncoder()
        guard let da = try? encoder.encode(a), let db = try? encoder.encode(b),
            let ja = try? JSONSerialization.jsonObject(with: da) as? [String: Any],
            let jb = try? JSONSerialization.jsonObject(with: db) as? [String: Any]
        else { return ["configurations differ"] }
        var out: [String] = []
        for key in Set(ja.keys).union(jb.keys).sorted() {
            let va = ja[key].map { "\($0)" } ?? "unset"
            let vb = jb[key].map { "\($0)" } ?? "unset"
            if va != vb { out.append("\(key) was \(va), now \(vb)") }
        }
        return out.isEmpty ? ["configurations differ"] : out
    }

    /// `ContentHash` of the tensors' names and values in order: recorded in the checkpoint's
    /// metadata so that a flipped bit in a value is found at resume, not trained on.
    static func tensorsHash(_ tensors: [(String, Tensor)]) -> String {
        var hash = ContentHash()
        for (name, tensor) in tensors {
            Array(name.utf8).withUnsafeBytes { hash.add($0) }
            tensor.withUnsafeBufferPointer { hash.add(UnsafeRawBufferPointer($0)) }
        }
        return hash.hex
    }
}
