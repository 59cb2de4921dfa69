import Foundation
import Testing
import LARSTestSupport
import SwiftLARS

/// `lars-train --export-pytorch` for the small CNN and ResNet-20, checked by PyTorch itself:
/// python/test_export.py loads each export into a PyTorch twin with `load_state_dict(strict=True)`
/// and compares its logits on fixed inputs with the ones Swift computes here. Runs the Python
/// named by `SWIFT_LARS_PYTHON` (`.ci/run` sets it to a venv with torch), else `python3`;
/// skipped, saying why, where torch is missing.
@Suite(.serialized) struct PyTorchTwinTests {
    /// Trains `model` for one epoch (so BatchNorm's statistics are not their initial values),
    /// exports its best checkpoint with lars-train, and writes fixed inputs and Swift's logits.
    func export(_ model: String, into directory: String) throws {
        var c = quickConfiguration(output: temporaryDirectory("twin-\(model)"), epochs: 1)
        c.model = ModelName(rawValue: model)
        let trainer = try Trainer(configuration: c, trainSet: syntheticImages(count: 64, seed: 51), testSet: syntheticImages(count: 32, seed: 52))
        trainer.printsProgress = false
        try trainer.run()
        let (status, text) = try runProcess(
            try shippedExecutable("lars-train"), ["--export-pytorch", "\(directory)/\(model).safetensors", "--output", c.outputDirectory])
        #expect(status == 0 && text.contains("wrote \(directory)/\(model).safetensors"), "\(text)")

        let trained = try TrainedModel.load(from: trainer.files.best)
        #expect(try SafeTensors.read("\(directory)/\(model).safetensors").names == trained.model.pyTorchStateDict.map(\.0))
        let input = Tensor(shape: [3, 1, 12, 12], scalars: (0..<432).map { Float(sin(Double($0) * 0.37)) * 1.5 })
        let logits = trained.model.forward(input, context: ExecutionContext(isTraining: false, threads: 1))
        try NumPyArray(shape: input.shape, floats: input.scalars).write(to: "\(directory)/\(model)-input.npy")
        try NumPyArray(shape: logits.shape, floats: logits.scalars).write(to: "\(directory)/\(model)-logits.npy")
    }

    @Test("PyTorch twins of the small CNN and ResNet-20 load lars-train's export strictly and give Swift's logits (skipped without torch)")
    func pyTorchTwinsAgree() throws {
        let directory = temporaryDirectory("pytorch-twins")
        for model in ["small-cnn", "resnet20"] { try export(model, into: directory) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/test_export.py")
        let python = ProcessInfo.processInfo.environment["SWIFT_LARS_PYTHON"] ?? "python3"
        let (status, output) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [python, script.path, directory])
        if status == 77 || (status == 127 && output.contains(python)) {
            print("skipped: the PyTorch twin test needs Python with torch, numpy and safetensors; set SWIFT_LARS_PYTHON to one (\(output.trimmingCharacters(in: .whitespacesAndNewlines)))")
            return
        }
        #expect(status == 0, "\(output)")
        #expect(output.contains("small-cnn: ") && output.contains("resnet20: ") && !output.contains("DIFFER"), "\(output)")
        print(output)
    }
}
