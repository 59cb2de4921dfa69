import Foundation
import LARSTestSupport
import Testing
@testable import LARSTraining

/// Round two of hostile inputs to training (issue #24): data that cannot train a classifier is
/// refused before any model is built, and a checkpoint whose integrity entries were deleted is
/// refused instead of having the check switched off (unless it is a real older format version).
@Suite("Hostile training data and checkpoint integrity")
struct HostileRoundTwoTests {
    /// A Trainer of the small CNN on `trainSet`, counting how often it builds a model.
    private func trainer(_ trainSet: ImageDataset, batch: Int = 32, builds: inout Int, output: String) throws -> Trainer {
        var configuration = quickConfiguration(output: output, epochs: 2)
        configuration.batchSize = batch
        var count = 0
        defer { builds = count }
        return try Trainer(
            configuration: configuration,
            model: { generator in
                count += 1
                return Models.smallCNN(inputChannels: 1, classes: trainSet.classCount, imageSize: trainSet.height, generator: &generator)
            }, trainSet: trainSet, testSet: syntheticImages(count: 16, seed: 2))
    }

    @Test("a one-class training set is an error, refused before a model is built")
    func oneClass() throws {
        var builds = 0
        let error = try #require(throws: TrainingError.self) {
            _ = try trainer(syntheticImages(count: 64, classes: 1, seed: 1), builds: &builds, output: temporaryDirectory("one-class"))
        }
        #expect("\(error)" == "invalid configuration: every one of the 64 training images has label 0: a classifier needs at least two classes to learn anything")
        #expect(builds == 0)
    }

    @Test("an epoch shorter than one step is refused before a model is built or probed")
    func epochShorterThanAStep() throws {
        var builds = 0
        let error = try #require(throws: TrainingError.self) {
            _ = try trainer(syntheticImages(count: 20, seed: 1), batch: 64, builds: &builds, output: temporaryDirectory("short-epoch"))
        }
        #expect("\(error)" == "invalid configuration: an epoch of 20 images holds fewer than one step of 64 images")
        #expect(builds == 0)
    }

    /// A checkpoint of a fresh run written to `directory`, and a second trainer of the same run.
    private func checkpoint(_ directory: String) throws -> (path: String, resumer: Trainer) {
        let configuration = quickConfiguration(output: directory, epochs: 1)
        let train = syntheticImages(count: 64, seed: 1), test = syntheticImages(count: 16, seed: 2)
        let path = directory + "/c.safetensors"
        try Trainer(configuration: configuration, trainSet: train, testSet: test).saveCheckpoint(to: path)
        return (path, try Trainer(configuration: configuration, trainSet: train, testSet: test))
    }

    /// Rewrites the checkpoint at `path` with its metadata changed by `edit`.
    private func edit(_ path: String, _ edit: (inout [String: String]) throws -> Void) throws {
        let file = try SafeTensors.read(path)
        var metadata = file.metadata
        try edit(&metadata)
        try SafeTensors.write(file.names.map { ($0, file.tensors[$0]!) }, metadata: metadata, to: path)
    }

    @Test("a current checkpoint without one of its integrity entries is refused", arguments: CheckpointMetadata.integrityEntries)
    func missingIntegrityEntry(key: String) throws {
        let (path, resumer) = try checkpoint(temporaryDirectory("integrity-\(key)"))
        try edit(path) { $0[key] = nil }
        let error = try #require(throws: TrainingError.self) { try resumer.loadCheckpoint(from: path) }
        #expect("\(error)".contains("\(path): metadata has no '\(key)' entry, which every \(Trainer.checkpointFormat) checkpoint holds"), "\(error)")
    }

    @Test("weights changed with tensors_hash deleted are refused, not trained on")
    func changedWeightsWithoutHash() throws {
        let (path, resumer) = try checkpoint(temporaryDirectory("integrity-weights"))
        let file = try SafeTensors.read(path)
        var metadata = file.metadata
        metadata["tensors_hash"] = nil
        let tensors = file.names.map { name in (name, name.hasSuffix("weight") ? file.tensors[name]! * -3 : file.tensors[name]!) }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
        #expect(throws: TrainingError.self) { try resumer.loadCheckpoint(from: path) }
        #expect(resumer.completedEpochs == 0)
    }

    @Test("a configuration without its model (or another identity field) is refused", arguments: ["model", "optimizer", "seed"])
    func configurationWithoutIdentity(field: String) throws {
        let (path, resumer) = try checkpoint(temporaryDirectory("integrity-config"))
        try edit(path) { metadata in
            var json = try #require(JSONSerialization.jsonObject(with: Data(metadata["configuration"]!.utf8)) as? [String: Any])
            json[field] = nil
            metadata["configuration"] = String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
        }
        let error = try #require(throws: TrainingError.self) { try resumer.loadCheckpoint(from: path) }
        #expect("\(error)".contains("configuration metadata has no '\(field)' field"), "\(error)")
    }

    @Test("a real version-1 checkpoint, without the integrity entries it predates, still loads")
    func olderFormatLoads() throws {
        let (path, resumer) = try checkpoint(temporaryDirectory("integrity-v1"))
        try edit(path) { metadata in
            for key in CheckpointMetadata.integrityEntries { metadata[key] = nil }
            metadata["format"] = "swift-lars-checkpoint-1"
        }
        try resumer.loadCheckpoint(from: path)
        #expect(resumer.completedEpochs == 0)
    }

    @Test("metadata that is not JSON is named so, without Foundation's error dump")
    func notJSON() throws {
        let (path, resumer) = try checkpoint(temporaryDirectory("integrity-json"))
        try edit(path) { $0["optimizer_scalars"] = "{not json" }
        let error = try #require(throws: TrainingError.self) { try resumer.loadCheckpoint(from: path) }
        #expect("\(error)".hasSuffix("\(path): optimizer_scalars metadata is not valid: the text is not valid JSON"), "\(error)")
        #expect(!"\(error)".contains("NSCocoaErrorDomain"))
    }
}
