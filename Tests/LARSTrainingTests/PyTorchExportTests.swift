import Foundation
import SwiftLARS
import Testing

@Suite struct PyTorchExportTests {
    @Test("the PyTorch export renames BatchNorm tensors, adds num_batches_tracked and keeps every value")
    func names() throws {
        let model = ModelStateTests.trainedModel(seed: 1)
        let exported = model.pyTorchStateDict
        #expect(exported.map(\.0) == [
            "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias",
            "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
        ])
        let state = Dictionary(uniqueKeysWithValues: model.stateTensors)
        let values = Dictionary(uniqueKeysWithValues: exported)
        #expect(values["bn1.weight"] == state["bn1.scale"] && values["bn1.running_var"] == state["bn1.runningVariance"])
        #expect(values["bn1.num_batches_tracked"] == Tensor(scalar: 0))
        let path = temporaryDirectory("torch") + "/model.safetensors"
        try model.exportPyTorchStateDict(to: path)
        let file = try SafeTensors.read(path)
        #expect(file.names == exported.map(\.0) && file.tensors["fc.weight"] == state["fc.weight"])
    }
}
