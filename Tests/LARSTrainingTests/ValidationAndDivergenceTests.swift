import Foundation
import Testing
import LARSData
@testable import LARSTraining

@Suite struct ValidationSplitTests {
    @Test func theValidationSplitIsTheLastImagesAndNeverTrainedOn() throws {
        let full = syntheticImages(count: 160, seed: 31)
        var c = quickConfiguration(output: temporaryDirectory("validation"), epochs: 1)
        c.validationCount = 32
        c.trainLimit = 1000  // larger than what remains: capped at the 128 training images
        let trainer = try Trainer(configuration: c, trainSet: full, testSet: syntheticImages(count: 32, seed: 32))
        trainer.printsProgress = false
        let validation = try #require(trainer.validationSet)
        #expect(trainer.trainSet.count == 128)
        #expect(validation.count == 32)
        #expect(validation.images == Array(full.images[(128 * full.imageSize)...]))
        #expect(validation.labels == Array(full.labels[128...]))
        // What the loader trains on is the first 128 images, and the normalisation is theirs.
        #expect(trainer.trainSet.images == Array(full.images[..<(128 * full.imageSize)]))
        #expect(trainer.trainSet.labels == Array(full.labels[..<128]))
        let trainingOnly = try full.holdingOut(last: 32).remaining
        #expect(trainer.normalization == Normalization(computedFrom: trainingOnly, limit: 128))
        #expect(trainer.normalization != Normalization(computedFrom: full, limit: 160))
        let metrics = try trainer.run().epochs
        let accuracy = try #require(metrics.last?.validationAccuracy)
        #expect(accuracy >= 0 && accuracy <= 1)
        let header = try String(contentsOfFile: trainer.files.metrics, encoding: .utf8).split(separator: "\n")[0]
        #expect(header.contains("validation_loss,validation_accuracy"))
    }

    @Test func holdingOutEverythingIsRefused() {
        let full = syntheticImages(count: 16, seed: 33)
        #expect { try full.holdingOut(last: 16) } throws: { "\($0)".contains("leaves none to train on") }
        #expect { try full.holdingOut(last: -1) } throws: { "\($0)".contains("cannot hold out -1") }
    }
}

@Suite struct DivergenceTests {
    @Test func anExplodingRunStopsAsDivergedAndSaysWhere() throws {
        var c = quickConfiguration(output: temporaryDirectory("diverge"), epochs: 3)
        c.optimizer = .sgd
        c.learningRate = 1e5
        c.warmupEpochs = 0
        let trainer = try Trainer(
            configuration: c, trainSet: syntheticImages(count: 128, seed: 41), testSet: syntheticImages(count: 32, seed: 42))
        trainer.printsProgress = false
        #expect { try trainer.run() } throws: { error in
            guard case .diverged(let epoch, let step, _) = error as? TrainingError else { return false }
            return epoch == 1 && step >= 1
        }
        let outcome = try RunOutcome.read(from: trainer.files.outcome)
        #expect(outcome.state == .diverged)
        #expect(outcome.epoch == 1)
        #expect(!outcome.reason.isEmpty)
        #expect((outcome.wallSeconds ?? 0) > 0)
        // The step that tripped the check is the last row of steps.csv, with its loss, and the
        // report is drawn though no epoch completed.
        let lastStep = try String(contentsOfFile: trainer.files.steps, encoding: .utf8).split(separator: "\n").last ?? ""
        let fields = lastStep.split(separator: ",")
        #expect(fields.first.map(String.init) == "\(outcome.step - 1)")  // steps.csv counts from 0
        #expect(fields.last.flatMap { Double($0) }.map { !$0.isFinite || $0 > 4 * log(4.0) } == true, "\(lastStep)")
        #expect(FileManager.default.fileExists(atPath: trainer.files.report))
    }

    @Test func aFinishedRunSaysSo() throws {
        let trainer = try trained(quickConfiguration(output: temporaryDirectory("finished"), epochs: 1))
        var outcome = try RunOutcome.read(from: trainer.files.outcome)
        #expect((outcome.wallSeconds ?? 0) > 0)
        outcome.wallSeconds = nil
        #expect(outcome == RunOutcome(state: .finished, epoch: 1, step: trainer.step, reason: ""))
    }

    @Test func theLossCheckCanBeSwitchedOffButNotForNonFiniteLosses() throws {
        var c = quickConfiguration(output: temporaryDirectory("no-check"), epochs: 1)
        let checked = try Trainer(
            configuration: c, trainSet: syntheticImages(count: 64, seed: 43), testSet: syntheticImages(count: 16, seed: 44))
        // Four classes: the limit is 4 x ln 4 = 5.55.
        #expect(throws: Never.self) { try checked.checkDivergence(loss: 5.5, epoch: 1) }
        #expect { try checked.checkDivergence(loss: 5.6, epoch: 1) } throws: { "\($0)".contains("exceeds 5.5452") }
        c.divergenceFactor = 0
        let unchecked = try Trainer(
            configuration: c, trainSet: syntheticImages(count: 64, seed: 43), testSet: syntheticImages(count: 16, seed: 44))
        #expect(throws: Never.self) { try unchecked.checkDivergence(loss: 1e30, epoch: 1) }
        #expect { try unchecked.checkDivergence(loss: .nan, epoch: 2) } throws: { "\($0)".contains("diverged at epoch 2") }
        c.divergenceFactor = -1
        #expect { try c.validate() } throws: { "\($0)".contains("--divergence-factor") }
    }

    @Test func nonFiniteWeightsStopTheRunBeforeTheyAreCheckpointed() throws {
        let c = quickConfiguration(output: temporaryDirectory("nan-weights"), epochs: 1)
        let trainer = try Trainer(
            configuration: c, trainSet: syntheticImages(count: 64, seed: 45), testSet: syntheticImages(count: 16, seed: 46))
        trainer.model.namedBuffers[0].buffer.value.scalars[0] = .infinity
        #expect { try trainer.checkModelState(epoch: 1) } throws: { "\($0)".contains("runningMean holds inf at index 0") }
    }
}

@Suite struct ImageSizeTests {
    @Test(arguments: ["small-cnn", "resnet20"])
    func imagesSmallerThanAModelTakesAreRefusedWithAMessage(model: String) throws {
        var c = quickConfiguration(output: temporaryDirectory("tiny-images"), epochs: 1)
        c.model = ModelName(rawValue: model)
        #expect {
            try Trainer(configuration: c, trainSet: syntheticImages(count: 64, side: 3, seed: 1), testSet: syntheticImages(count: 16, side: 3, seed: 2))
        } throws: { "\($0)".contains("\(model) needs images of at least 4x4 pixels (two 2x downsamplings), the data set has 3x3") }
        // The MLP takes any size, down to one pixel.
        c.model = "mlp"
        _ = try Trainer(configuration: c, trainSet: syntheticImages(count: 64, side: 1, seed: 1), testSet: syntheticImages(count: 16, side: 1, seed: 2))
    }
}
