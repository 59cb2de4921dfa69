import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// Checkpoints in one call: `TrainedModel` and `loadWeights(fromCheckpoint:)` on the checkpoints
/// a `Trainer` writes, and `lars-train --export-pytorch` refusing what it cannot export.
@Suite(.serialized) struct TrainedModelTests {
    static let input = Tensor(shape: [2, 1, 12, 12], scalars: (0..<288).map { Float(cos(Double($0) * 0.21)) })

    func logits(_ model: any Layer) -> [Float] {
        model.forward(Self.input, context: ExecutionContext(isTraining: false, threads: 1)).scalars
    }

    @Test func aBuiltInModelsCheckpointLoadsInOneCallAndComputesWhatTheTrainerDoes() throws {
        let trainer = try Trainer(
            configuration: quickConfiguration(output: temporaryDirectory("trained-builtin"), epochs: 1),
            trainSet: syntheticImages(count: 64, seed: 61), testSet: syntheticImages(count: 32, seed: 62))
        trainer.printsProgress = false
        try trainer.run()
        let trained = try TrainedModel.load(from: trainer.files.checkpoint)
        #expect(trained.epoch == 1 && trained.configuration?.model == "small-cnn")
        #expect(trained.normalization == trainer.normalization)
        // The same weights; the trained model's convolutions may keep another layout, so equal up
        // to rounding.
        #expect(zip(logits(trained.model), logits(trainer.model)).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        let evaluation = try trainer.evaluate()
        let prediction = try trained.predict(on: trainer.testSet)
        let correct = zip(prediction.classes, trainer.testSet.labels).filter { $0 == $1 }.count
        #expect(Double(correct) / Double(trainer.testSet.count) == evaluation.accuracy)
        // A plain model refuses a checkpoint's optimizer state; loadWeights skips it.
        var generator = SeededGenerator(seed: 9)
        let plain = try ModelFactory.make(trainer.configuration, channels: 1, imageSize: 12, classes: 4, generator: &generator)
        #expect(throws: ModelStateError.self) { try plain.load(from: trainer.files.checkpoint) }
        try plain.loadWeights(fromCheckpoint: trainer.files.best)
        let best = try TrainedModel.load(from: trainer.files.best)
        #expect(logits(plain) == logits(best.model))
    }

    @Test func aUsersModelLoadsIntoItsInstanceAndAMismatchIsNamed() throws {
        var c = quickConfiguration(output: temporaryDirectory("trained-custom"), epochs: 1)
        c.model = "tiny-net"
        let trainer = try Trainer(
            configuration: c, model: CustomModelTrainingTests.tinyNet(),
            trainSet: syntheticImages(count: 64, seed: 63), testSet: syntheticImages(count: 32, seed: 64))
        trainer.printsProgress = false
        try trainer.run()
        #expect { try TrainedModel.load(from: trainer.files.best) } throws: {
            "\($0)".contains("holds the model 'tiny-net', not a built-in one") && "\($0)".contains("load(from:into:)")
        }
        var generator = SeededGenerator(seed: 5)
        let trained = try TrainedModel.load(from: trainer.files.best, into: CustomModelTrainingTests.tinyNet()(&generator))
        #expect(logits(trained.model) == logits(trainer.model))  // one epoch: the best is the last
        #expect(trained.normalization == trainer.normalization && trained.epoch == 1)
        let wrong = try CustomModelTrainingTests.tinyNet(classes: 5)(&generator)
        #expect { try wrong.loadWeights(fromCheckpoint: trainer.files.best) } throws: { "\($0)".contains("'out.weight' has shape [4, 32] in the file") }
    }

    @Test func exportWithoutACheckpointIsRefusedNamingTheFile() throws {
        let directory = temporaryDirectory("export-empty")
        let (status, text) = try runProcess(
            try shippedExecutable("lars-train"), ["--export-pytorch", directory + "/model.safetensors", "--output", directory])
        #expect(status != 0)
        #expect(text.contains(directory + "/checkpoint.safetensors"), "\(text)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/model.safetensors"))
    }
}
