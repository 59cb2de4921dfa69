import Testing
@testable import lars_bench

/// The bench reads its models' layers from the real models: the walk must find exactly the
/// geometries the models are documented to have.
@Suite struct ModelWalkTests {

    func geometries(_ spec: ModelSpec) -> [String] {
        spec.convolutions.map {
            "\($0.label): \($0.inChannels)->\($0.outChannels) \($0.size) k\($0.kernel) s\($0.stride) p\($0.padding) x\($0.count) dX \($0.computesInputGradient)"
        }
    }

    @Test func resNet20HasItsDocumentedConvolutions() {
        #expect(geometries(ModelSpec.resNet20) == [
            "resnet20 stem 3x3 3->16 32x32: 3->16 32 k3 s1 p1 x1 dX false",
            "resnet20 stage1 3x3 16->16 32x32: 16->16 32 k3 s1 p1 x6 dX true",
            "resnet20 stage2 3x3 16->32 32x32 s2: 16->32 32 k3 s2 p1 x1 dX true",
            "resnet20 stage2 3x3 32->32 16x16: 32->32 16 k3 s1 p1 x5 dX true",
            "resnet20 stage2 shortcut 1x1 16->32 32x32 s2: 16->32 32 k1 s2 p0 x1 dX true",
            "resnet20 stage3 3x3 32->64 16x16 s2: 32->64 16 k3 s2 p1 x1 dX true",
            "resnet20 stage3 3x3 64->64 8x8: 64->64 8 k3 s1 p1 x5 dX true",
            "resnet20 stage3 shortcut 1x1 32->64 16x16 s2: 32->64 16 k1 s2 p0 x1 dX true",
        ])
        #expect(ModelSpec.resNet20.dense.map(\.label) == ["resnet20 dense 64->10"])
    }

    @Test func theSmallCNNHasItsDocumentedLayers() {
        #expect(geometries(ModelSpec.smallCNN) == [
            "smallcnn conv1 3x3 1->32 28x28: 1->32 28 k3 s1 p1 x1 dX false",
            "smallcnn conv2 3x3 32->64 14x14: 32->64 14 k3 s1 p1 x1 dX true",
        ])
        #expect(ModelSpec.smallCNN.dense.map(\.label) == ["smallcnn dense 3136->128", "smallcnn dense 128->10"])
    }

    @Test func chunksFollowTheRealLayersBudget() {
        // Stage 1 of ResNet-20: a 144 x 1024 patch matrix per image, 1M floats per chunk: 7 images.
        let stage1 = ModelSpec.resNet20.convolutions[1]
        #expect(stage1.imagesPerChunk(batch: 128) == (1 << 20) / (144 * 1024))
        #expect(stage1.imagesPerChunk(batch: 3) == 3)
    }
}
