import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// A user's own model through the same `Trainer` as the built-in ones: LARS, logs, checkpoints,
/// resume, replicas.
@Suite(.serialized) struct CustomModelTrainingTests {
    /// A model no factory knows: flatten, two dense layers, for 12x12 grey images of 4 classes.
    static func tinyNet(classes: Int = 4) -> (inout SeededGenerator) throws -> any Layer {
        { generator in
            Sequential([
                ("flatten", Flatten()),
                ("hidden", Dense(inputCount: 144, outputCount: 32, generator: &generator)),
                ("relu", ReLU()),
                ("out", Dense(inputCount: 32, outputCount: classes, generator: &generator)),
            ])
        }
    }

    func configuration(_ name: String, epochs: Int) -> TrainingConfiguration {
        var c = quickConfiguration(output: temporaryDirectory(name), epochs: epochs)
        c.model = "tiny-net"
        return c
    }

    func trainer(_ c: TrainingConfiguration, classes: Int = 4) throws -> Trainer {
        let t = try Trainer(
            configuration: c, model: Self.tinyNet(classes: classes),
            trainSet: syntheticImages(count: 128, seed: 21), testSet: syntheticImages(count: 32, seed: 22))
        t.printsProgress = false
        return t
    }

    @Test func aCustomModelTrainsWithLARSAndResumesBitForBit() throws {
        let whole = try trainer(configuration("custom-whole", epochs: 2))
        try whole.run()
        #expect((whole.history.last?.testAccuracy ?? 0) > 0.5, "\(whole.history)")
        #expect(whole.network is DataParallel)  // two threads: two replicas of the user's model
        #expect(FileManager.default.fileExists(atPath: whole.files.trustRatios))
        let trust = try String(contentsOfFile: whole.files.trustRatios, encoding: .utf8)
        #expect(trust.contains("hidden.weight") && trust.contains("out.weight"))

        let first = try trainer(configuration("custom-half", epochs: 2))
        _ = try first.trainEpoch()
        try first.saveCheckpoint(to: first.files.checkpoint)
        let resumed = try trainer(configuration("custom-resumed", epochs: 2))
        try resumed.loadCheckpoint(from: first.files.checkpoint)
        try resumed.run()
        #expect(resumed.model.namedParameters.map(\.parameter.value) == whole.model.namedParameters.map(\.parameter.value))
    }

    @Test func aModelThatDoesNotFitTheDataIsRefusedWithAMessage() throws {
        #expect { try trainer(configuration("custom-classes", epochs: 1), classes: 7) } throws: {
            "\($0)".contains("the model maps an image of 1x12x12 to shape [1, 7], but the data has 4 classes")
        }
        var c = configuration("custom-shape", epochs: 1)
        c.model = "conv-net"
        #expect {
            try Trainer(
                configuration: c,
                model: { g in Sequential([("conv", Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: 1, generator: &g))]) },
                trainSet: syntheticImages(count: 64, seed: 1), testSet: syntheticImages(count: 16, seed: 2))
        } throws: { "\($0)".contains("the model does not take the data's images: conv (Conv2D): expected input") }
    }

    /// The user's whole path on each form of data: a custom model trained with LARS through
    /// `Trainer(configuration:model:)`, saved, loaded into a fresh model, predicting the same.
    @Test(arguments: ["float", "npy", "folder"])
    func aCustomModelOnUserDataSavesLoadsAndPredictsTheSame(form: String) throws {
        let directory = temporaryDirectory("custom-\(form)")
        let (train, test): (ImageDataset, ImageDataset)
        switch form {
        case "float":
            (train, test) = (UserDataTrainingTests.floatImages(count: 192, seed: 1), UserDataTrainingTests.floatImages(count: 64, seed: 2))
        case "npy":
            for (split, data) in [("train", UserDataTrainingTests.floatImages(count: 192, seed: 1)), ("test", UserDataTrainingTests.floatImages(count: 64, seed: 2))] {
                try NumPyArray(shape: [data.count, 12, 12], floats: data.floatImages!).write(to: directory + "/x_\(split).npy")
                try NumPyArray(shape: [data.count], integers: data.labels).write(to: directory + "/y_\(split).npy")
            }
            (train, test) = (try DatasetKind.npy.load(directory: directory, split: .train), try DatasetKind.npy.load(directory: directory, split: .test))
        default:
            try ImageFolder.write(syntheticImages(count: 192, seed: 1), to: directory + "/train")
            try ImageFolder.write(syntheticImages(count: 64, seed: 2), to: directory + "/test")
            (train, test) = (try DatasetKind.folder.load(directory: directory, split: .train), try DatasetKind.folder.load(directory: directory, split: .test))
        }
        var c = configuration("custom-\(form)-run", epochs: 3)
        c.dataset = DatasetName(rawValue: form)
        let trainer = try Trainer(configuration: c, model: Self.tinyNet(), trainSet: train, testSet: test)
        trainer.printsProgress = false
        try trainer.run()
        #expect((trainer.history.last?.testAccuracy ?? 0) > 0.8, "\(trainer.history)")

        let saved = directory + "/model.safetensors"
        try trainer.model.save(to: saved)
        var generator = SeededGenerator(seed: 99)
        let fresh = try Self.tinyNet()(&generator)
        try fresh.load(from: saved)
        let context = ExecutionContext(threads: 1)
        let before = try trainer.model.predict(on: test, normalization: trainer.normalization, top: 2, context: context)
        let after = try fresh.predict(on: test, normalization: trainer.normalization, top: 2, context: context)
        #expect(after.probabilities == before.probabilities)
        #expect(after.topClasses == before.topClasses)
    }

    /// A user's container that names its two children alike, nested in a `Sequential`.
    final class Unnamed: Layer {
        let first: Dense, second: Dense
        init(generator: inout SeededGenerator) {
            first = Dense(inputCount: 144, outputCount: 4, generator: &generator)
            second = Dense(inputCount: 4, outputCount: 4, generator: &generator)
        }
        var sublayers: [(name: String, layer: any Layer)] { [("fc", first), ("fc", second)] }
        func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
            second.forward(first.forward(input.reshaped([input.shape[0], 144]), context: context), context: context)
        }
        func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
            first.backward(second.backward(outputGradient, context: context), context: context)
        }
    }

    @Test func collidingNamesAreRefusedBeforeTraining() throws {
        #expect {
            try Trainer(
                configuration: configuration("custom-unnamed", epochs: 1),
                model: { g in Sequential([("body", Unnamed(generator: &g))]) },
                trainSet: syntheticImages(count: 64, seed: 1), testSet: syntheticImages(count: 16, seed: 2))
        } throws: { "\($0)".contains("body (Unnamed): two children are named 'fc'") }
    }
}
