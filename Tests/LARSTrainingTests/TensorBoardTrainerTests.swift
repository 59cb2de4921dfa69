import Foundation
import LARSTestSupport
import Testing

@testable import LARSTraining

/// Every event of every event file in `directory`, in file order, each record's checksums checked.
private func events(in directory: String) throws -> [[DecodedEvent]] {
    try TensorBoardEventFile.files(in: directory).map { try TensorBoardEventFile.read($0).map(DecodedEvent.init) }
}

/// The values of scalar `tag` by step, over `events`.
private func series(_ tag: String, _ events: [DecodedEvent]) -> [Int64: Float] {
    var out: [Int64: Float] = [:]
    for event in events { if let value = event.scalars[tag] { out[event.step] = value } }
    return out
}

/// A trainer's TensorBoard events: what is written, when it is flushed, resuming, switching off.
@Suite struct TensorBoardTrainerTests {
    let train = syntheticImages(count: 96, seed: 21)
    let test = syntheticImages(count: 32, seed: 22)

    @Test func aRunWritesItsEpochStepAndLayerValuesAsEvents() throws {
        let directory = temporaryDirectory("tensorboard-run")
        let trainer = try Trainer(configuration: quickConfiguration(output: directory, epochs: 2), trainSet: train, testSet: test)
        trainer.printsProgress = false
        let history = try trainer.run().epochs
        let files = try events(in: directory)
        try #require(files.count == 1)
        let all = files[0]
        #expect(all.first?.fileVersion == "brain.Event:2")
        // Epoch values at the epoch's last step, equal to the history's (as Float).
        #expect(series("epoch/test_accuracy", all) == Dictionary(uniqueKeysWithValues: history.map { (Int64($0.step), Float($0.testAccuracy!)) }))
        #expect(series("epoch/train_loss", all) == Dictionary(uniqueKeysWithValues: history.map { (Int64($0.step), Float($0.trainLoss)) }))
        #expect(series("epoch/epoch", all).values.sorted() == [1, 2])
        // One loss, rate and set of layer values per step, at steps 1...N.
        let steps = Array(1...Int64(trainer.step))
        #expect(series("step/loss", all).keys.sorted() == steps)
        #expect(series("trust_ratio/conv1.weight", all).keys.sorted() == steps)
        #expect(series("effective_learning_rate/fc2.weight", all).keys.sorted() == steps)
        #expect(series("weight_norm/bn1.scale", all).isEmpty, "BatchNorm is not adapted, so not logged")
        let adapted = Set(all.flatMap { $0.scalars.keys }.filter { $0.hasPrefix("trust_ratio/") }).count
        let histograms = all.compactMap { $0.histogramCounts[Trainer.trustRatioHistogramTag] }
        #expect(histograms.count == steps.count && histograms.allSatisfy { $0 == Double(adapted) })
    }

    @Test func eachEpochIsReadableBeforeTheRunEndsAndAResumeContinuesTheSteps() throws {
        let directory = temporaryDirectory("tensorboard-resume")
        let configuration = quickConfiguration(output: directory, epochs: 3)
        let first = try Trainer(configuration: configuration, trainSet: train, testSet: test)
        first.printsProgress = false
        let epoch1 = try first.trainEpoch()  // written with its checkpoint
        _ = try first.trainOneEpoch()  // logged steps of epoch 2, then "killed" before its outputs
        // While the process lives: the file holds epoch 1 whole, and nothing of epoch 2.
        let before = try events(in: directory)
        #expect(before.count == 1)
        #expect(series("epoch/train_loss", before[0]).keys.sorted() == [Int64(epoch1.step)])
        #expect(series("step/loss", before[0]).keys.max() == Int64(epoch1.step))

        first.outputLock = nil  // as the kernel releases a killed process's lock
        let resumed = try Trainer(configuration: configuration, trainSet: train, testSet: test)
        resumed.printsProgress = false
        try resumed.loadCheckpoint(from: first.files.checkpoint)
        try resumed.run()
        let after = try events(in: directory)
        try #require(after.count == 2, "a resumed run appends a second file")
        #expect(after[1].first?.fileVersion == "brain.Event:2")
        #expect(after[1].dropFirst().first?.sessionStart == true && after[1].dropFirst().first?.step == Int64(epoch1.step + 1))
        #expect(series("step/loss", after[1]).keys.sorted() == Array(Int64(epoch1.step + 1)...Int64(resumed.step)))
        #expect(series("epoch/epoch", after[1]).values.sorted() == [2, 3])
    }

    @Test func switchedOffTheRunWritesNoEventFile() throws {
        let directory = temporaryDirectory("tensorboard-off")
        var configuration = quickConfiguration(output: directory, epochs: 1)
        configuration.tensorBoard = false
        let trainer = try Trainer(configuration: configuration, trainSet: train, testSet: test)
        trainer.printsProgress = false
        try trainer.run()
        #expect(TensorBoardEventFile.files(in: directory).isEmpty)
        #expect(FileManager.default.fileExists(atPath: trainer.files.metrics))
    }

    @Test func theSettingIsOptionalInStoredConfigurationsAndNotPartOfTheTrajectory() throws {
        var configuration = TrainingConfiguration()
        configuration.tensorBoard = false
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(configuration)) as! [String: Any]
        #expect(json["tensorBoard"] as? Bool == false)
        json["tensorBoard"] = nil  // a checkpoint written before the setting existed
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.tensorBoard == nil && old.writesTensorBoard)
        #expect(old.trajectoryFingerprint == configuration.trajectoryFingerprint)
    }

    @Test func eventFilesAreRunFilesForTheOutputDirectoryLock() throws {
        let directory = temporaryDirectory("tensorboard-lock")
        let file = try TensorBoardEventFile(directory: directory)
        let second = try TensorBoardEventFile(directory: directory)  // the same second: a distinct name
        #expect(file.path != second.path && TensorBoardEventFile.files(in: directory) == [file.path, second.path])
        #expect(throws: TrainingError.self) { try OutputDirectoryLock(directory: directory, intent: .fresh) }
        let lock = try OutputDirectoryLock(directory: directory, intent: .overwrite)
        lock.removeRunFiles()
        #expect(TensorBoardEventFile.files(in: directory).isEmpty)
    }
}
