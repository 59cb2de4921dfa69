import Testing
import LARSNN

/// A user's container naming its children once, in `sublayers`, here both alike.
final class PairOfDense: Layer {
    let first: Dense, second: Dense
    let names: (String, String)
    init(names: (String, String), generator: inout SeededGenerator) {
        first = Dense(inputCount: 2, outputCount: 2, generator: &generator)
        second = Dense(inputCount: 2, outputCount: 2, generator: &generator)
        self.names = names
    }
    var sublayers: [(name: String, layer: any Layer)] { [(names.0, first), (names.1, second)] }
    func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        second.forward(first.forward(input, context: context), context: context)
    }
    func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        first.backward(second.backward(outputGradient, context: context), context: context)
    }
}

/// Children are named once; names compose while walking; a duplicate is a thrown error naming
/// the container's real path, not a trap while the container is built.
@Suite struct LayerNamingTests {
    @Test func aUsersContainerNamesItsChildrenOnce() throws {
        var g = SeededGenerator(seed: 1)
        let pair = PairOfDense(names: ("a", "b"), generator: &g)
        let model = Sequential([("head", pair)])
        try model.validateNames()
        #expect(model.namedParameters.map(\.name) == ["head.a.weight", "head.a.bias", "head.b.weight", "head.b.bias"])
        #expect(model.namedLayers.map(\.path) == ["", "head", "head.a", "head.b"])
        #expect(pair.second.validateInput(shape: [1, 3]) == "head.b (Dense): expected input [N, 2], got [1, 3]")
    }

    @Test func aRootUsersContainerIsNamedByTheWalk() throws {
        var g = SeededGenerator(seed: 2)
        let pair = PairOfDense(names: ("a", "b"), generator: &g)
        #expect(pair.second.validateInput(shape: [1, 3]) == "<root> (Dense): expected input [N, 2], got [1, 3]")
        try pair.validateNames()
        #expect(pair.second.validateInput(shape: [1, 3]) == "b (Dense): expected input [N, 2], got [1, 3]")
    }

    @Test func duplicateChildrenAreAThrownErrorNamingTheContainersPath() {
        var g = SeededGenerator(seed: 3)
        // Built without a trap; refused by the walk, with the container's real path.
        let model = Sequential([
            ("stage1", Sequential([("block0", PairOfDense(names: ("fc", "fc"), generator: &g))])),
        ])
        #expect(throws: LayerNamingError.duplicateChild(container: "stage1.block0 (PairOfDense)", name: "fc")) {
            try model.validateNames()
        }
        let flat = Sequential([("a", ReLU()), ("a", ReLU())])
        #expect(throws: LayerNamingError.duplicateChild(container: "<root> (Sequential)", name: "a")) {
            try flat.validateNames()
        }
        let message = "\(LayerNamingError.duplicateChild(container: "stage1.block0 (PairOfDense)", name: "fc"))"
        #expect(message == "stage1.block0 (PairOfDense): two children are named 'fc'; a container must give each child its own name")
    }

    @Test func namesWithDotsOrEmptyNamesBesideOthersAreRefused() {
        var g = SeededGenerator(seed: 4)
        #expect(throws: LayerNamingError.invalidChildName(container: "<root> (PairOfDense)", name: "a.b")) {
            try PairOfDense(names: ("a.b", "c"), generator: &g).validateNames()
        }
        #expect(throws: LayerNamingError.invalidChildName(container: "<root> (PairOfDense)", name: "")) {
            try PairOfDense(names: ("", "c"), generator: &g).validateNames()
        }
    }

    @Test func dataParallelAddsNoPathComponent() throws {
        var g = SeededGenerator(seed: 5)
        let parallel = DataParallel(count: 2) { Models.mlp(inputCount: 4, hidden: 3, classes: 2, generator: &g) }
        try parallel.validateNames()
        #expect(parallel.namedParameters.map(\.name) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        let model = Sequential([("net", parallel)])
        #expect(model.namedParameters.first?.name == "net.fc1.weight")
    }
}
