import Foundation

/// The metadata of a swift-lars checkpoint, parsed and checked on its own, before any model or
/// trainer is touched: a file can hold anything, so every entry is checked and every refusal is
/// a `TrainingError.invalidFile` naming the file, never a trap.
struct CheckpointMetadata {
    /// The configuration of the run that wrote the checkpoint.
    var configuration: TrainingConfiguration
    /// Its plan; for a checkpoint written before plans were stored, recomputed from its
    /// configuration, which then held the resolved micro-batch count (`TrainingPlan(recordedIn:)`),
    /// and for one written before plans held the data, its data name and augmentation taken
    /// from its configuration, which then held them resolved.
    var plan: TrainingPlan
    /// Completed epochs (not negative; the caller checks it against its own run).
    var epoch: Int
    /// The generator's four state words, not all zero.
    var generatorWords: [UInt64]
    /// The optimizer's scalar state.
    var optimizerScalars: [String: Double]
    /// Optimizer steps completed (absent in no checkpoint this project wrote, but parsed leniently).
    var step: Int?
    /// The normalisation the run computed from its training images (`Normalization.metadataString`).
    var normalization: String?
    /// The data's identity (`Trainer.dataFingerprint`); absent in checkpoints of older versions.
    var dataFingerprint: String?
    /// The best score so far (`Trainer.bestScore`); absent before the first evaluation.
    var bestScore: Double?
    /// `Trainer.tensorsHash` of the tensors as written; absent in checkpoints of older versions.
    var tensorsHash: String?
    /// The format version, `Trainer.checkpointFormat` or one of `olderFormats`.
    var format: String

    /// Older format versions still read, each with the entries it lacks. Version 1 predates
    /// the integrity entries: its files load without them.
    static let olderFormats = ["swift-lars-checkpoint-1"]
    /// Entries every checkpoint of the current format holds: a file without one was edited,
    /// and its check would silently switch off if the entry were optional.
    static let integrityEntries = ["step", "normalization", "data", "tensors_hash"]
    /// Configuration fields a current checkpoint's configuration must name itself, not take
    /// from today's defaults: the ones that say which run it is.
    static let identityFields = ["model", "optimizer", "learningRate", "batchSize", "epochs", "seed", "schedule"]

    /// Parses the `metadata` of the checkpoint at `path`.
    /// - Throws: `TrainingError.invalidFile` for a missing entry, a wrong format, or an entry
    ///   that does not parse (configuration, epoch, generator, optimizer scalars).
    static func parse(_ metadata: [String: String], path: String) throws -> CheckpointMetadata {
        func required(_ key: String) throws -> String { try requiredEntry(key, in: metadata, path: path) }
        let format = try checkedFormat(metadata, path: path)
        let configuration = try Self.configuration(in: metadata, isCurrent: format == Trainer.checkpointFormat, path: path)
        let epochText = try required("epoch")
        guard let epoch = Int(epochText), epoch >= 0 else {
            throw TrainingError.invalidFile(path: path, problem: "epoch '\(epochText)' is not an epoch count")
        }
        let generatorText = try required("generator")
        let words = generatorText.split(separator: ",").compactMap { UInt64($0) }
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw TrainingError.invalidFile(path: path, problem: "generator state '\(generatorText)' is not four words")
        }
        let scalars = try decode([String: Double].self, try required("optimizer_scalars"), key: "optimizer_scalars", path: path)
        let plan = try Self.plan(in: metadata, configuration: configuration, path: path)
        var parsed = CheckpointMetadata(
            configuration: configuration, plan: plan, epoch: epoch, generatorWords: words, optimizerScalars: scalars, format: format)
        if let text = metadata["step"] {
            guard let step = Int(text), step >= 0 else {
                throw TrainingError.invalidFile(path: path, problem: "step '\(text)' is not a step count")
            }
            parsed.step = step
        }
        if let text = metadata["best_score"] {
            guard let score = Double(text), score.isFinite, (0...1).contains(score) else {
                throw TrainingError.invalidFile(path: path, problem: "best_score '\(text)' is not an accuracy")
            }
            parsed.bestScore = score
        }
        parsed.normalization = metadata["normalization"]
        parsed.dataFingerprint = metadata["data"]
        parsed.tensorsHash = metadata["tensors_hash"]
        return parsed
    }

    /// The entry `key`, which every swift-lars checkpoint holds.
    private static func requiredEntry(_ key: String, in metadata: [String: String], path: String) throws -> String {
        guard let value = metadata[key] else {
            throw TrainingError.invalidFile(path: path, problem: "metadata has no '\(key)' entry; not a swift-lars checkpoint")
        }
        return value
    }

    /// The format version, one this version reads; a current-format file must hold every
    /// integrity entry.
    private static func checkedFormat(_ metadata: [String: String], path: String) throws -> String {
        let format = try requiredEntry("format", in: metadata, path: path)
        let isCurrent = format == Trainer.checkpointFormat
        guard isCurrent || olderFormats.contains(format) else {
            throw TrainingError.invalidFile(path: path, problem: "format '\(format)', expected '\(Trainer.checkpointFormat)'")
        }
        if isCurrent, let missing = integrityEntries.first(where: { metadata[$0] == nil }) {
            throw TrainingError.invalidFile(
                path: path, problem: "metadata has no '\(missing)' entry, which every \(format) checkpoint holds: the file was edited or damaged")
        }
        return format
    }

    /// The run's configuration; fields added since the checkpoint was written take today's
    /// defaults, except the identity fields in a current-format file.
    private static func configuration(in metadata: [String: String], isCurrent: Bool, path: String) throws -> TrainingConfiguration {
        let text = try requiredEntry("configuration", in: metadata, path: path)
        do {
            return try Trainer.decodeConfiguration(text, path: path, requiredFields: isCurrent ? identityFields : [])
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.invalidFile(path: path, problem: "configuration metadata is not valid: \(jsonProblem(error))")
        }
    }

    /// The run's plan, completed for older checkpoints (see `plan`), and checked to cut
    /// `configuration`'s batch.
    private static func plan(in metadata: [String: String], configuration: TrainingConfiguration, path: String) throws -> TrainingPlan {
        var plan = try metadata["plan"].map { try decode(TrainingPlan.self, $0, key: "plan", path: path) }
            ?? TrainingPlan(recordedIn: configuration)
        if plan.dataName == nil, let name = configuration.dataset {
            // Written before plans held the data: the configuration held the resolved name.
            plan.dataName = name
            plan.augmentation = configuration.augmentation(forDataset: name.rawValue)
        }
        guard plan.microBatches >= 1, plan.processes >= 1, plan.microBatches * plan.microBatchSize == configuration.batchSize else {
            throw TrainingError.invalidFile(
                path: path, problem: "plan: \(plan.microBatches) micro-batches of \(plan.microBatchSize) images do not make batch \(configuration.batchSize)")
        }
        return plan
    }

    /// The JSON `text` of metadata entry `key` decoded as `type`.
    private static func decode<T: Decodable>(_ type: T.Type, _ text: String, key: String, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch let error as TrainingError {
            throw error  // A configuration that checks itself while decoding says what is wrong.
        } catch {
            throw TrainingError.invalidFile(path: path, problem: "\(key) metadata is not valid: \(jsonProblem(error))")
        }
    }

    /// A one-line account of a JSON decoding failure: which field is wrong, or that the text is
    /// not JSON at all (never Foundation's raw error dump).
    static func jsonProblem(_ error: any Error) -> String {
        func at(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? "" : " at '" + context.codingPath.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context): return "expected \(type)\(at(context))"
        case DecodingError.valueNotFound(let type, let context): return "missing \(type) value\(at(context))"
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)' field"
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            return context.debugDescription + at(context)
        default: return "the text is not valid JSON"
        }
    }
}
