import Testing
import LARSNN

/// The parameter and buffer names of the built-in models, in model order, as the checkpoints
/// written before children were named once held them (read from `lars-train` checkpoints of
/// the earlier code): old checkpoints keep loading only while these stay exactly the same.
@Suite struct CheckpointNameTests {
    static let smallCNNNames = [
        "conv1.weight", "bn1.scale", "bn1.shift", "conv2.weight", "bn2.scale", "bn2.shift", "fc1.weight",
        "fc1.bias", "fc2.weight", "fc2.bias", "bn1.runningMean", "bn1.runningVariance", "bn2.runningMean",
        "bn2.runningVariance",
    ]

    static let resNet20Names = [
        "stem.weight", "bn.scale", "bn.shift", "stage1.block0.conv1.weight", "stage1.block0.bn1.scale",
        "stage1.block0.bn1.shift", "stage1.block0.conv2.weight", "stage1.block0.bn2.scale",
        "stage1.block0.bn2.shift", "stage1.block1.conv1.weight", "stage1.block1.bn1.scale",
        "stage1.block1.bn1.shift", "stage1.block1.conv2.weight", "stage1.block1.bn2.scale",
        "stage1.block1.bn2.shift", "stage1.block2.conv1.weight", "stage1.block2.bn1.scale",
        "stage1.block2.bn1.shift", "stage1.block2.conv2.weight", "stage1.block2.bn2.scale",
        "stage1.block2.bn2.shift", "stage2.block0.conv1.weight", "stage2.block0.bn1.scale",
        "stage2.block0.bn1.shift", "stage2.block0.conv2.weight", "stage2.block0.bn2.scale",
        "stage2.block0.bn2.shift", "stage2.block0.shortcut.conv.weight", "stage2.block0.shortcut.bn.scale",
        "stage2.block0.shortcut.bn.shift", "stage2.block1.conv1.weight", "stage2.block1.bn1.scale",
        "stage2.block1.bn1.shift", "stage2.block1.conv2.weight", "stage2.block1.bn2.scale",
        "stage2.block1.bn2.shift", "stage2.block2.conv1.weight", "stage2.block2.bn1.scale",
        "stage2.block2.bn1.shift", "stage2.block2.conv2.weight", "stage2.block2.bn2.scale",
        "stage2.block2.bn2.shift", "stage3.block0.conv1.weight", "stage3.block0.bn1.scale",
        "stage3.block0.bn1.shift", "stage3.block0.conv2.weight", "stage3.block0.bn2.scale",
        "stage3.block0.bn2.shift", "stage3.block0.shortcut.conv.weight", "stage3.block0.shortcut.bn.scale",
        "stage3.block0.shortcut.bn.shift", "stage3.block1.conv1.weight", "stage3.block1.bn1.scale",
        "stage3.block1.bn1.shift", "stage3.block1.conv2.weight", "stage3.block1.bn2.scale",
        "stage3.block1.bn2.shift", "stage3.block2.conv1.weight", "stage3.block2.bn1.scale",
        "stage3.block2.bn1.shift", "stage3.block2.conv2.weight", "stage3.block2.bn2.scale",
        "stage3.block2.bn2.shift", "fc.weight", "fc.bias", "bn.runningMean", "bn.runningVariance",
        "stage1.block0.bn1.runningMean", "stage1.block0.bn1.runningVariance", "stage1.block0.bn2.runningMean",
        "stage1.block0.bn2.runningVariance", "stage1.block1.bn1.runningMean",
        "stage1.block1.bn1.runningVariance", "stage1.block1.bn2.runningMean",
        "stage1.block1.bn2.runningVariance", "stage1.block2.bn1.runningMean",
        "stage1.block2.bn1.runningVariance", "stage1.block2.bn2.runningMean",
        "stage1.block2.bn2.runningVariance", "stage2.block0.bn1.runningMean",
        "stage2.block0.bn1.runningVariance", "stage2.block0.bn2.runningMean",
        "stage2.block0.bn2.runningVariance", "stage2.block0.shortcut.bn.runningMean",
        "stage2.block0.shortcut.bn.runningVariance", "stage2.block1.bn1.runningMean",
        "stage2.block1.bn1.runningVariance", "stage2.block1.bn2.runningMean",
        "stage2.block1.bn2.runningVariance", "stage2.block2.bn1.runningMean",
        "stage2.block2.bn1.runningVariance", "stage2.block2.bn2.runningMean",
        "stage2.block2.bn2.runningVariance", "stage3.block0.bn1.runningMean",
        "stage3.block0.bn1.runningVariance", "stage3.block0.bn2.runningMean",
        "stage3.block0.bn2.runningVariance", "stage3.block0.shortcut.bn.runningMean",
        "stage3.block0.shortcut.bn.runningVariance", "stage3.block1.bn1.runningMean",
        "stage3.block1.bn1.runningVariance", "stage3.block1.bn2.runningMean",
        "stage3.block1.bn2.runningVariance", "stage3.block2.bn1.runningMean",
        "stage3.block2.bn1.runningVariance", "stage3.block2.bn2.runningMean",
        "stage3.block2.bn2.runningVariance",
    ]

    static let mlpNames = [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
    ]

    @Test func theSmallCNNKeepsItsNames() {
        var g = SeededGenerator(seed: 1)
        let model = Models.smallCNN(generator: &g)
        #expect(model.namedParameters.map(\.name) + model.namedBuffers.map(\.name) == Self.smallCNNNames)
    }

    @Test func resNet20KeepsItsNames() {
        var g = SeededGenerator(seed: 1)
        let model = Models.resNet(depth: 20, inputChannels: 1, imageSize: 28, generator: &g)
        #expect(model.namedParameters.map(\.name) + model.namedBuffers.map(\.name) == Self.resNet20Names)
    }

    @Test func theMLPKeepsItsNames() {
        var g = SeededGenerator(seed: 1)
        let model = Models.mlp(inputCount: 784, generator: &g)
        #expect(model.namedParameters.map(\.name) + model.namedBuffers.map(\.name) == Self.mlpNames)
    }

    @Test func replicasInDataParallelKeepTheModelsNames() {
        var g = SeededGenerator(seed: 1)
        let model = DataParallel(count: 2) { Models.smallCNN(generator: &g) }
        #expect(model.namedParameters.map(\.name) + model.namedBuffers.map(\.name) == Self.smallCNNNames)
    }
}
