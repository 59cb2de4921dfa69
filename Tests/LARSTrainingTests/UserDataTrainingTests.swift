import Foundation
import LARSTestSupport
import LARSTraining
import Testing

/// Training on a user's own data: `Float` pixels through the trainer, and NumPy files and an
/// image folder through the shipped `lars-train`.
@Suite(.serialized) struct UserDataTrainingTests {
    /// `syntheticImages` with pixels turned into `Float` values in other units (`byte / 25.5 - 3`).
    static func floatImages(count: Int, seed: UInt64) -> ImageDataset {
        let bytes = syntheticImages(count: count, seed: seed)
        return ImageDataset(
            name: "float-\(seed)", floatImages: bytes.images.map { Float($0) / 25.5 - 3 }, labels: bytes.labels,
            channels: 1, height: bytes.height, width: bytes.width, classCount: bytes.classCount)
    }

    @Test("the trainer learns from a Float data set, normalised in the values' own units")
    func trainerOnFloatData() throws {
        let trainer = try Trainer(
            configuration: quickConfiguration(output: temporaryDirectory("float")), trainSet: Self.floatImages(count: 192, seed: 1),
            testSet: Self.floatImages(count: 64, seed: 2))
        trainer.printsProgress = false
        let metrics = try trainer.run().epochs
        #expect((metrics.last?.testAccuracy ?? 0) > 0.8)  // Four classes: chance is 25 %.
        // The statistics of byte / 25.5 - 3 are the byte statistics scaled the same way.
        let bytes = Normalization(computedFrom: syntheticImages(count: 192, seed: 1))
        #expect(abs(trainer.normalization.mean[0] - (bytes.mean[0] * 10 - 3)) < 1e-4)
        #expect(abs(trainer.normalization.standardDeviation[0] - bytes.standardDeviation[0] * 10) < 1e-4)
    }

    /// Runs lars-train for three epochs on `--dataset kind --data-dir directory` and returns its
    /// final test accuracy in percent.
    private func trainAccuracy(_ kind: String, _ directory: String) throws -> Double {
        let output = temporaryDirectory("lars-train-\(kind)")
        let (status, text) = try runProcess(try shippedExecutable("lars-train"), [
            "--dataset", kind, "--data-dir", directory, "--batch-size", "32", "--lr", "2", "--epochs", "3",
            "--warmup-epochs", "0.5", "--no-hflip", "--eval-every", "3", "--output", output,
        ])
        #expect(status == 0, "lars-train failed:\n\(text)")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("final test accuracy:") }, "\(text)")
        return Double(line.split(separator: " ")[3]) ?? 0
    }

    @Test("lars-train --dataset npy trains on float32 .npy files the test writes")
    func larsTrainOnNumPy() throws {
        let directory = temporaryDirectory("npy-data")
        for (split, data) in [("train", Self.floatImages(count: 192, seed: 1)), ("test", Self.floatImages(count: 64, seed: 2))] {
            try NumPyArray(shape: [data.count, 12, 12], floats: data.floatImages!).write(to: directory + "/x_\(split).npy")
            try NumPyArray(shape: [data.count], integers: data.labels).write(to: directory + "/y_\(split).npy")
        }
        #expect(try trainAccuracy("npy", directory) > 80)
    }

    @Test("lars-train --dataset folder trains on a folder of PNG images the test writes")
    func larsTrainOnFolder() throws {
        let root = temporaryDirectory("folder-data")
        try ImageFolder.write(syntheticImages(count: 192, seed: 1), to: root + "/train")
        try ImageFolder.write(syntheticImages(count: 64, seed: 2), to: root + "/test")
        #expect(try trainAccuracy("folder", root) > 80)
    }

    @Test("the lars-folder-fit example trains its own model on an image folder, and its reloaded copy predicts identically")
    func folderFitExample() throws {
        let output = temporaryDirectory("folder-fit") + "/model.safetensors"
        let (status, text) = try runProcess(try shippedExecutable("lars-folder-fit"), ["--epochs", "3", "--output", output])
        #expect(status == 0, "\(text)")
        #expect(text.contains("conv1    Conv2D     [1, 8, 16, 16]  216         adapted"), "\(text)")
        #expect(text.contains("epoch 3/3: train loss") && text.contains("reloaded model's probabilities are identical"), "\(text)")
        let accuracy = text.split(separator: "\n").last { $0.hasPrefix("epoch 3/3") }.flatMap { $0.split(separator: " ").dropLast().last }
        #expect((accuracy.flatMap { Double($0) } ?? 0) > 90, "\(text)")
    }
}
