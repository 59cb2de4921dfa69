import Testing
import LARSNN

/// A container written outside the library, which runs its children itself and lists them as
/// `sublayers`: the model walk must find its BatchNorm layers.
final class TwoBranchSum: Layer {
    let left: Sequential
    let right: Sequential
    init(left: Sequential, right: Sequential) {
        self.left = left
        self.right = right
    }
    var sublayers: [(name: String, layer: any Layer)] { [("left", left), ("right", right)] }
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        left.forward(input, context: context) + right.forward(input, context: context)
    }
    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        left.backward(outputGradient, context: context) + right.backward(outputGradient, context: context)
    }
}

@Suite struct UserContainerTests {
    func branch(_ g: inout SeededGenerator) -> Sequential {
        Sequential([("fc", Dense(inputCount: 4, outputCount: 4, generator: &g)), ("bn", BatchNorm(featureCount: 4))])
    }

    @Test func batchNormLayersInsideAUserContainerAreFound() {
        var g = SeededGenerator(seed: 1)
        let container = TwoBranchSum(left: branch(&g), right: branch(&g))
        let model = Sequential([("block", container), ("head", Dense(inputCount: 4, outputCount: 2, generator: &g))])
        #expect(model.batchNormLayers.count == 2)
        #expect(model.batchNormLayers[0] === container.left["bn"])
        #expect(model.batchNormLayers[1] === container.right["bn"])
        let reducer = CountingReducer(processes: 1)  // from DataParallelTests
        #expect(model.setBatchStatisticsReducer(reducer) == 2)
        _ = model.forward(Tensor(normal: [3, 4], generator: &g), context: ExecutionContext(isTraining: true, threads: 1))
        #expect(reducer.calls > 0)
        #expect(model.namedParameters.map(\.name).contains("block.left.bn.scale"))
    }

    @Test func layersWithoutChildrenHaveNoSublayers() {
        var g = SeededGenerator(seed: 2)
        #expect(Dense(inputCount: 2, outputCount: 2, generator: &g).sublayers.isEmpty)
        #expect(BatchNorm(featureCount: 2).sublayers.isEmpty)
        #expect(ReLU().sublayers.isEmpty)
    }
}
