import Foundation
import Testing
@testable import LARSStudy
import LARSTraining

/// Reading a run directory: outcome.json, metrics with the validation columns, collapse to chance.
struct RunDirectoryTests {
    static let header = "epoch,step,train_loss,train_accuracy,test_loss,test_accuracy,learning_rate,epoch_seconds,images_per_second,validation_loss,validation_accuracy"

    static func directory(metrics: [String], outcome: String?) throws -> String {
        let path = NSTemporaryDirectory() + "lars-study-rd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try ([header] + metrics).joined(separator: "\n").appending("\n").write(toFile: path + "/metrics.csv", atomically: true, encoding: .utf8)
        if let outcome { try outcome.write(toFile: path + "/outcome.json", atomically: true, encoding: .utf8) }
        return path
    }

    static let run = StudyRun(optimizer: .lars, batch: 64, learningRate: 3, warmupEpochs: 0.5, seed: 1)

    @Test func aFinishedRunReportsItsLastEpochAndBestAccuracy() throws {
        let path = try Self.directory(metrics: [
            "1,4,1.2,0.5,0.9,0.70,3,2.0,128,0.8,0.68",
            "2,8,0.8,0.7,0.7,0.65,0,2.0,128,0.7,0.72",
        ], outcome: #"{"state":"finished","epoch":2,"step":8,"reason":""}"#)
        let r = RunResult.read(run: Self.run, epochs: 2, directory: path, collapseThreshold: 0.11)
        #expect(r.state == .finished)
        #expect(r.steps == 8 && r.finalTestAccuracy == 0.65 && r.bestTestAccuracy == 0.70 && r.validationAccuracy == 0.72)
        #expect(r.wallSeconds == 4 && r.imagesPerSecond == 128)
        #expect(r.curve.map(\.epoch) == [1, 2])
    }

    @Test func divergenceComesFromOutcomeJSON() throws {
        let path = try Self.directory(
            metrics: ["1,4,1.2,0.5,0.9,0.70,3,2.0,128,0.8,0.68"],
            outcome: #"{"state":"diverged","epoch":2,"step":6,"reason":"non-finite loss"}"#)
        let r = RunResult.read(run: Self.run, epochs: 2, directory: path, collapseThreshold: 0.11)
        #expect(r.state == .diverged && r.divergedEpoch == 2 && r.reason == "non-finite loss" && r.isDone)
    }

    @Test func aRunFinishedAtChanceCountsAsCollapsed() throws {
        let path = try Self.directory(metrics: [
            "1,4,1.2,0.5,0.9,0.40,3,2.0,128,0.8,0.38",
            "2,8,2.3,0.1,2.3,0.10,3,2.0,128,2.3,0.10",
            "3,12,2.3,0.1,2.3,0.105,0,2.0,128,2.3,0.10",
        ], outcome: #"{"state":"finished","epoch":3,"step":12,"reason":""}"#)
        let r = RunResult.read(run: Self.run, epochs: 3, directory: path, collapseThreshold: 0.11)
        #expect(r.state == .diverged && r.reason == "collapsed to chance" && r.divergedEpoch == 2)
    }

    @Test func noOutcomeIsPending() throws {
        let path = try Self.directory(metrics: ["1,4,1.2,0.5,0.9,0.70,3,2.0,128,0.8,0.68"], outcome: nil)
        let r = RunResult.read(run: Self.run, epochs: 2, directory: path, collapseThreshold: 0.11)
        #expect(r.state == .pending && !r.isDone)
    }

    @Test func theDivergenceMessageAndEpochLinesAreParsed() {
        #expect(parseDivergence(["lars-train: diverged at epoch ", "diverged at epoch :"]) == nil)
        let o = parseDivergence(["x", "lars-train: diverged at epoch 2, step 17: loss is nan"])
        #expect(o == RunOutcome(state: .diverged, epoch: 2, step: 17, reason: "loss is nan"))
        #expect(completedEpoch(inLine: "epoch 3/6  train loss 0.5 acc 80.00%") == 3)
        #expect(completedEpoch(inLine: "  epoch 3/6: 128/256 images") == nil)
    }
}
