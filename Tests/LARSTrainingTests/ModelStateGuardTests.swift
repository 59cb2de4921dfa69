import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining
@testable import LARSOptimizers

/// The guards on the model's state: after every step, at every checkpoint, and at every resume.
@Suite(.serialized) struct ModelStateGuardTests {
    func freshTrainer(_ name: String, epochs: Int = 2, testSeed: UInt64 = 12, trainSeed: UInt64 = 11) throws -> Trainer {
        let trainer = try Trainer(
            configuration: quickConfiguration(output: temporaryDirectory(name), epochs: epochs),
            trainSet: syntheticImages(count: 128, seed: trainSeed), testSet: syntheticImages(count: 32, seed: testSeed))
        trainer.printsProgress = false
        return trainer
    }

    @Test func explodedWeightsAndNegativeVariancesAreNamed() throws {
        let trainer = try freshTrainer("state-exploded")
        let weight = trainer.model.namedParameters[0]
        weight.parameter.value.scalars[3] = 1e20
        #expect { try trainer.checkModelState(epoch: 1) } throws: {
            "\($0)".contains("\(weight.name) holds 1e+20 at index 3, beyond 1e+18: it has exploded")
        }
        weight.parameter.value.scalars[3] = 0.5
        #expect(throws: Never.self) { try trainer.checkModelState(epoch: 1) }
        let variance = try #require(trainer.model.namedBuffers.first { $0.name.hasSuffix("runningVariance") })
        variance.buffer.value.scalars[1] = -0.25
        #expect { try trainer.checkModelState(epoch: 1) } throws: {
            "\($0)".contains("\(variance.name) holds the negative variance -0.25 at index 1")
        }
    }

    @Test func theSkipPolicyGivesUpAfterABoundedRunOfSkippedSteps() throws {
        let trainer = try freshTrainer("state-skips")
        let skipped = StepReport(step: 1, learningRate: 1, skippedBecauseOf: "conv1.weight")
        for _ in 1..<Trainer.skipLimit - 1 { try trainer.checkStep(skipped, epoch: 1) }
        // A good step resets the count.
        try trainer.checkStep(StepReport(step: 1, learningRate: 1), epoch: 1)
        for _ in 1..<Trainer.skipLimit { try trainer.checkStep(skipped, epoch: 1) }
        #expect { try trainer.checkStep(skipped, epoch: 1) } throws: {
            "\($0)".contains("\(Trainer.skipLimit) steps in a row were skipped for non-finite gradients (the last: conv1.weight)")
        }
    }

    @Test func theBestEpochIsKeptBesideTheLastCheckpoint() throws {
        let trainer = try freshTrainer("state-best", epochs: 3)
        try trainer.run()
        let accuracies = trainer.history.map { $0.testAccuracy ?? -1 }
        let bestEpoch = accuracies.indices.max { accuracies[$0] < accuracies[$1] }! + 1
        let best = try SafeTensors.read(trainer.files.best)
        let last = try SafeTensors.read(trainer.files.checkpoint)
        #expect(best.metadata["epoch"] == "\(bestEpoch)")
        #expect(best.metadata["best_score"] == "\(accuracies.max()!)")
        #expect(last.metadata["epoch"] == "3")
        #expect(last.metadata["best_score"] == best.metadata["best_score"])
    }

    @Test func aCheckpointWithANaNVarianceIsRefusedAndChangesNothing() throws {
        let writer = try freshTrainer("state-nan-checkpoint")
        let variance = try #require(writer.model.namedBuffers.first { $0.name.hasSuffix("runningVariance") })
        variance.buffer.value.scalars[0] = .nan
        try writer.saveCheckpoint(to: writer.files.checkpoint)
        let reader = try freshTrainer("state-nan-reader")
        let before = reader.model.namedParameters.map(\.parameter.value)
        #expect { try reader.loadCheckpoint(from: writer.files.checkpoint) } throws: {
            "\($0)".contains("\(variance.name) holds nan at index 0")
        }
        #expect(reader.model.namedParameters.map(\.parameter.value) == before)
        #expect(reader.completedEpochs == 0)
    }

    @Test func aStepCountThatDoesNotEndItsEpochIsRefused() throws {
        let writer = try freshTrainer("state-step")
        _ = try writer.trainEpoch()
        try writer.saveCheckpoint(to: writer.files.checkpoint)
        let file = try SafeTensors.read(writer.files.checkpoint)
        var metadata = file.metadata
        metadata["step"] = "\(writer.step + 1)"
        let tensors = file.tensors.keys.sorted().map { ($0, file.tensors[$0]!) }
        try SafeTensors.write(tensors, metadata: metadata, to: writer.files.checkpoint)
        let reader = try freshTrainer("state-step-reader")
        #expect { try reader.loadCheckpoint(from: writer.files.checkpoint) } throws: {
            "\($0)".contains("step \(writer.step + 1) does not end epoch 1")
        }
    }

    @Test func resumingOnOtherDataIsRefusedNamingBothFingerprints() throws {
        let writer = try freshTrainer("state-data")
        _ = try writer.trainEpoch()
        try writer.saveCheckpoint(to: writer.files.checkpoint)
        // Same configuration, same sizes, other pixels behind it.
        let reader = try freshTrainer("state-data-reader", trainSeed: 99)
        #expect { try reader.loadCheckpoint(from: writer.files.checkpoint) } throws: {
            "\($0)".contains("it was trained on other data: the data was [train 128 x 1x12x12, 4 classes,")
        }
        // The same data resumes.
        let same = try freshTrainer("state-data-same")
        try same.loadCheckpoint(from: writer.files.checkpoint)
        #expect(same.completedEpochs == 1)
    }

    @Test func theDataDirectoryIsComparedAfterResolvingIt() throws {
        let directory = temporaryDirectory("state-path")
        var a = TrainingConfiguration()
        a.dataDirectory = directory
        var b = a
        b.dataDirectory = directory + "/./../" + URL(fileURLWithPath: directory).lastPathComponent
        #expect(a.trajectoryFingerprint == b.trajectoryFingerprint)
        b.dataDirectory = directory + "-other"
        #expect(a.trajectoryFingerprint != b.trajectoryFingerprint)
    }

    @Test func theFingerprintSeesOnePixelAndOneLabel() {
        let base = syntheticImages(count: 16, seed: 5)
        var pixels = base.images
        pixels[100] ^= 1
        var labels = base.labels
        labels[3] = (labels[3] + 1) % 4
        let changedPixel = ImageDataset(
            name: "x", images: pixels, labels: base.labels, channels: 1, height: 12, width: 12, classCount: 4)
        let changedLabel = ImageDataset(
            name: "x", images: base.images, labels: labels, channels: 1, height: 12, width: 12, classCount: 4)
        #expect(base.fingerprint != changedPixel.fingerprint)
        #expect(base.fingerprint != changedLabel.fingerprint)
        #expect(base.fingerprint == syntheticImages(count: 16, seed: 5).fingerprint)
    }

    @Test func aFlippedBitInATensorIsFoundAtResume() throws {
        let writer = try freshTrainer("state-bitflip")
        _ = try writer.trainEpoch()
        try writer.saveCheckpoint(to: writer.files.checkpoint)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: writer.files.checkpoint)))
        bytes[bytes.count - 3] ^= 0x04  // inside the last tensor's values
        try Data(bytes).write(to: URL(fileURLWithPath: writer.files.checkpoint))
        let reader = try freshTrainer("state-bitflip-reader")
        #expect { try reader.loadCheckpoint(from: writer.files.checkpoint) } throws: {
            "\($0)".contains("its tensors do not match the hash recorded when it was written")
        }
        #expect(reader.completedEpochs == 0)
    }
}
