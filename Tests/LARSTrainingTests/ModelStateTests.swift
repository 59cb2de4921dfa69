import Foundation
import LARSTestSupport
import SwiftLARS
import Testing

/// `save(to:)` / `load(from:)` of any `Layer` model, and its files read outside Swift.
@Suite struct ModelStateTests {
    /// A small custom model: conv (padding 1) -> BatchNorm -> ReLU -> conv (stride 2) -> dense.
    static func model(seed: UInt64) -> Sequential {
        var g = SeededGenerator(seed: seed)
        return Sequential([
            ("conv1", Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, generator: &g)),
            ("bn1", BatchNorm(featureCount: 3)),
            ("relu1", ReLU()),
            ("conv2", Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, generator: &g)),
            ("flatten", Flatten()),
            ("fc", Dense(inputCount: 16, outputCount: 5, generator: &g)),
        ])
    }

    /// The model after a few training-mode passes (so BatchNorm's running statistics move) and
    /// with non-trivial biases, BatchNorm scale and shift.
    static func trainedModel(seed: UInt64) -> Sequential {
        let model = model(seed: seed)
        var g = SeededGenerator(seed: seed + 100)
        for p in model.namedParameters where p.parameter.kind != .weight {
            p.parameter.value = Tensor(normal: p.parameter.value.shape, generator: &g)
        }
        let context = ExecutionContext(isTraining: true, threads: 1)
        for _ in 0..<3 { _ = model.forward(Tensor(normal: [4, 2, 5, 5], generator: &g) * 2 + 1, context: context) }
        return model
    }

    static let input: Tensor = {
        var g = SeededGenerator(seed: 7)
        return Tensor(normal: [3, 2, 5, 5], generator: &g)
    }()

    @Test("a saved custom model loads into a fresh one, which then computes the same logits bit for bit")
    func roundTrip() throws {
        let directory = temporaryDirectory("model-state")
        let source = Self.trainedModel(seed: 1)
        try source.save(to: directory + "/m.safetensors", metadata: ["note": "test"])
        let fresh = Self.model(seed: 2)
        let context = ExecutionContext(isTraining: false, threads: 1)
        #expect(fresh.forward(Self.input, context: context) != source.forward(Self.input, context: context))
        let metadata = try fresh.load(from: directory + "/m.safetensors")
        #expect(metadata == ["note": "test"])
        #expect(fresh.forward(Self.input, context: context) == source.forward(Self.input, context: context))
        #expect(fresh.stateTensors.map(\.0) == ["conv1.weight", "conv1.bias", "bn1.scale", "bn1.shift", "conv2.weight",
                                                "conv2.bias", "fc.weight", "fc.bias", "bn1.runningMean", "bn1.runningVariance"])
    }

    @Test("a file with a missing, extra or mis-shaped tensor is refused naming it, and the model is left unchanged")
    func refusals() throws {
        let directory = temporaryDirectory("model-state-bad")
        let path = directory + "/m.safetensors"
        let model = Self.model(seed: 3)
        let before = model.stateTensors.map(\.1)
        var tensors = Self.trainedModel(seed: 4).stateTensors
        func refusal(_ tensors: [(String, Tensor)]) throws -> String? {
            try SafeTensors.write(tensors, to: path)
            do {
                try model.load(from: path)
                return nil
            } catch let error as ModelStateError {
                return error.description
            }
        }
        let missing = tensors.remove(at: 1)
        #expect(try refusal(tensors) == path + ": the file lacks 1 tensor(s) of the model: conv1.bias")
        tensors.insert(missing, at: 1)
        #expect(try refusal(tensors + [("head.weight", Tensor([1]))]) == path + ": the file holds 1 tensor(s) the model does not have: head.weight")
        tensors[6] = ("fc.weight", Tensor(zeros: [5, 15]))
        #expect(try refusal(tensors) == path + ": tensor 'fc.weight' has shape [5, 15] in the file, the model expects [5, 16]")
        #expect(model.stateTensors.map(\.1) == before)
    }

    @Test("SafeTensors.write and save throw, not trap, on a duplicate tensor name, and write nothing")
    func duplicateNames() throws {
        let path = temporaryDirectory("dup") + "/d.safetensors"
        #expect(throws: ModelStateError.duplicateName(path: path, name: "w")) {
            try SafeTensors.write([("w", Tensor([1])), ("w", Tensor([2]))], to: path)
        }
        var g = SeededGenerator(seed: 1)
        // A container that names two children alike, nested: the error names its real path.
        let inner = Sequential([("x", Dense(inputCount: 2, outputCount: 2, generator: &g)), ("y", ReLU())])
        inner.append("x", Dense(inputCount: 2, outputCount: 2, generator: &g))
        let model = Sequential([("features", inner)])
        #expect(throws: LayerNamingError.duplicateChild(container: "features (Sequential)", name: "x")) {
            try model.save(to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("NumPy recomputes the saved model's logits from the safetensors file and from its PyTorch-named export (skipped without numpy and safetensors)")
    func numpyRecomputesLogits() throws {
        let directory = temporaryDirectory("model-numpy")
        let model = Self.trainedModel(seed: 5)
        try model.save(to: directory + "/model.safetensors")
        try model.exportPyTorchStateDict(to: directory + "/torch.safetensors")
        let logits = model.forward(Self.input, context: ExecutionContext(isTraining: false, threads: 1))
        try NumPyArray(shape: Self.input.shape, floats: Self.input.scalars).write(to: directory + "/input.npy")
        try NumPyArray(shape: logits.shape, floats: logits.scalars).write(to: directory + "/logits.npy")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python/recompute_logits.py")
        let (status, output) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, directory])
        if status == 77 || (status == 127 && output.contains("python3")) {
            print("skipped: the NumPy interop test needs python3 with numpy and safetensors (\(output.trimmingCharacters(in: .whitespacesAndNewlines)))")
            return
        }
        #expect(status == 0, "\(output)")
        #expect(output.contains("model.safetensors: max |numpy - swift|") && output.contains("torch.safetensors: max"), "\(output)")
        print(output)
    }

    @Test("a file whose running variance is negative is refused, naming it, and the model is unchanged")
    func unsoundTensorsAreRefused() throws {
        let saved = Self.trainedModel(seed: 3)
        let variance = try #require(saved.namedBuffers.first { $0.name.hasSuffix("runningVariance") })
        variance.buffer.value.scalars[2] = -1
        let path = temporaryDirectory("unsound-model") + "/model.safetensors"
        try saved.save(to: path)
        let fresh = Self.model(seed: 4)
        let before = fresh.namedParameters.map(\.parameter.value)
        #expect { try fresh.load(from: path) } throws: {
            "\($0)".contains("bn1.runningVariance holds the negative variance -1.0 at index 2")
        }
        #expect(fresh.namedParameters.map(\.parameter.value) == before)
    }
}
