import Testing
import LARSNN

/// A user's layer states its parameters under local names; the containers compose the dotted
/// names, so the layer never builds one and two instances never collide.
@Suite struct UserLayerNamingTests {
    /// A per-feature scale, written as a user would: local names only.
    final class Scale: Layer {
        let scale = Parameter(Tensor(ones: [3]), kind: .normScale)
        let count = Buffer(Tensor(zeros: [1]))
        var ownParameters: [(name: String, parameter: Parameter)] { [("scale", scale)] }
        var ownBuffers: [(name: String, buffer: Buffer)] { [("count", count)] }
        func forward(_ input: Tensor, context: ExecutionContext) -> Tensor { input }
        func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor { outputGradient }
    }

    @Test func containersComposeTheNamesOfAUsersLayer() {
        let inner = Sequential([("first", Scale()), ("second", Scale())])
        let model = Sequential([("head", Scale()), ("block", inner)])
        #expect(model.namedParameters.map(\.name) == ["head.scale", "block.first.scale", "block.second.scale"])
        #expect(model.namedBuffers.map(\.name) == ["head.count", "block.first.count", "block.second.count"])
        // Nesting a container renames its descendants.
        #expect(Sequential([("net", model)]).namedParameters.map(\.name) == ["net.head.scale", "net.block.first.scale", "net.block.second.scale"])
        // Alone, the layer's names are its local ones.
        #expect(Scale().namedParameters.map(\.name) == ["scale"])
    }

    @Test func theBuiltInModelsKeepTheirCheckpointNames() {
        var generator = SeededGenerator(seed: 1)
        let resnet = Models.resNet(depth: 20, inputChannels: 3, imageSize: 32, generator: &generator)
        let names = resnet.namedParameters.map(\.name)
        #expect(names.first == "stem.weight")
        #expect(names.contains("stage2.block0.shortcut.conv.weight") && names.contains("stage3.block2.bn2.shift"))
        #expect(Set(names).count == names.count)
        #expect(resnet.namedBuffers.map(\.name).prefix(2) == ["bn.runningMean", "bn.runningVariance"])
    }
}
