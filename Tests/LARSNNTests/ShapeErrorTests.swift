import Testing
import LARSNN

/// The messages that stop a forward pass with a wrong input shape name the layer and both shapes.
@Suite struct ShapeErrorTests {
    @Test func convolutionNamesItsPathAndBothShapes() {
        var g = SeededGenerator(seed: 1)
        let model = Models.resNet(depth: 20, generator: &g)
        let block = (model["stage1"] as! Sequential)["block0"] as! ResidualBlock
        #expect(
            block.conv1.validateInput(shape: [8, 3, 32, 32])
                == "stage1.block0.conv1 (Conv2D): expected input [N, 16, H, W], got [8, 3, 32, 32]")
        #expect(block.conv1.validateInput(shape: [8, 16, 32, 32]) == nil)
        #expect(model.validateInput(shape: [2, 1, 32, 32]) == "stem (Conv2D): expected input [N, 3, H, W], got [2, 1, 32, 32]")
    }

    @Test func otherLayersReportTheirExpectations() {
        var g = SeededGenerator(seed: 1)
        let dense = Dense(inputCount: 3136, outputCount: 128, generator: &g)
        _ = Sequential([("fc1", dense)])
        #expect(dense.validateInput(shape: [4, 3000]) == "fc1 (Dense): expected input [N, 3136], got [4, 3000]")
        let bn = BatchNorm(featureCount: 8)
        _ = Sequential([("bn", bn)])
        #expect(bn.validateInput(shape: [4, 3, 2, 2]) == "bn (BatchNorm): expected input [N, 8, H, W] or [N, 8], got [4, 3, 2, 2]")
        let pool = MaxPool2D(kernelSize: 2)
        #expect(pool.validateInput(shape: [4, 3]) == "<root> (MaxPool2D): expected input [N, C, H, W] with H, W >= 2, got [4, 3]")
        let conv = Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 3, generator: &g)
        #expect(conv.validateInput(shape: [1, 1, 2, 2]) == "<root> (Conv2D): expected input [N, 1, H, W] with H, W >= 3, got [1, 1, 2, 2]")
    }

    @Test func nestingAContainerRenamesItsDescendants() {
        var g = SeededGenerator(seed: 1)
        let conv = Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 1, generator: &g)
        let inner = Sequential([("conv", conv)])
        #expect(conv.validateInput(shape: [1, 2, 1, 1])?.hasPrefix("conv (Conv2D)") == true)
        let outer = Sequential([("features", inner)])
        let model = Sequential([("backbone", outer)])
        #expect(model.namedParameters.map(\.name) == ["backbone.features.conv.weight", "backbone.features.conv.bias"])
        #expect(conv.validateInput(shape: [1, 2, 1, 1])?.hasPrefix("backbone.features.conv (Conv2D)") == true)
    }
}
