import Testing
import LARSNN

/// Models keep their parameters in one `ParameterStore`: the builders bind them in
/// `namedParameters` order, `zeroGrad` clears them all, and `DataParallel` binds replicas a user
/// built by hand so that its one-copy weight sync and one-axpy gradient sum see every tensor.
@Suite struct FlatStoreTests {
    /// A BatchNorm model built without a model builder, so its parameters start in stores of
    /// their own.
    func handBuilt(seed: UInt64, batchNorm: Bool = true) -> Sequential {
        var g = SeededGenerator(seed: seed)
        let model = Sequential([
            ("flatten", Flatten()),
            ("fc1", Dense(inputCount: 12, outputCount: 5, generator: &g)),
        ])
        if batchNorm { model.append("bn", BatchNorm(featureCount: 5)) }
        model.append("relu", ReLU())
        model.append("fc2", Dense(inputCount: 5, outputCount: 3, generator: &g))
        return model
    }

    @Test func buildersBindEveryParameterInNameOrder() {
        var g = SeededGenerator(seed: 3)
        let models: [Sequential] = [
            Models.resNet(depth: 8, inputChannels: 3, imageSize: 8, classes: 4, generator: &g),
            Models.smallCNN(inputChannels: 1, classes: 10, imageSize: 8, generator: &g),
            Models.mlp(inputCount: 12, generator: &g),
        ]
        for model in models {
            let parameters = model.parameters
            let store = ParameterStore.shared(by: parameters)
            #expect(store != nil)
            let offsets = parameters.map(\.offset)
            #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count)
            #expect(offsets.allSatisfy { $0 % ParameterStore.alignment == 0 })
            #expect(store?.count == parameters.reduce(0) { $0 + ParameterStore.paddedCount($1.count) })
            #expect(model.bindParameters() === store)
        }
    }

    @Test func zeroGradClearsEveryGradientOfABoundModel() {
        var g = SeededGenerator(seed: 4)
        let model = Models.smallCNN(inputChannels: 1, classes: 10, imageSize: 8, generator: &g)
        let context = ExecutionContext(isTraining: true, threads: 1)
        let x = Tensor(normal: [3, 1, 8, 8], generator: &g)
        _ = model.backward(model.forward(x, context: context), context: context)
        #expect(model.parameters.allSatisfy { $0.grad.scalars.contains { $0 != 0 } })
        model.zeroGrad()
        #expect(model.parameters.allSatisfy { $0.grad.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func bindingKeepsAModelsOutputBitForBit() {
        let context = ExecutionContext(isTraining: false, threads: 1)
        var g = SeededGenerator(seed: 5)
        let x = Tensor(normal: [4, 12], generator: &g)
        let model = handBuilt(seed: 8)
        #expect(ParameterStore.shared(by: model.parameters) == nil)
        let before = model.forward(x, context: context)
        model.bindParameters()
        #expect(ParameterStore.shared(by: model.parameters) != nil)
        #expect(model.forward(x, context: context) == before)
    }

    @Test func dataParallelBindsHandBuiltReplicasAndSumsTheirGradients() {
        let replicas = [handBuilt(seed: 8, batchNorm: false), handBuilt(seed: 8, batchNorm: false)]
        let parallel = DataParallel(replicas: replicas)
        #expect(replicas.allSatisfy { ParameterStore.shared(by: $0.parameters) != nil })
        var g = SeededGenerator(seed: 6)
        let x = Tensor(normal: [6, 12], generator: &g)
        let dy = Tensor(normal: [6, 3], generator: &g)
        // Without BatchNorm each replica's share is independent: the primary's gradient must be
        // the two halves' gradients added, exactly (the one axpy adds with alpha 1).
        let halves = [handBuilt(seed: 8, batchNorm: false), handBuilt(seed: 8, batchNorm: false)]
        let one = ExecutionContext(isTraining: true, threads: 1)
        for (index, half) in halves.enumerated() {
            let rows = (3 * index)..<(3 * index + 3)
            _ = half.forward(x.batch(rows), context: one)
            _ = half.backward(dy.batch(rows), context: one)
        }
        let training = ExecutionContext(isTraining: true, threads: 2)
        parallel.zeroGrad()
        _ = parallel.forward(x, context: training)
        _ = parallel.backward(dy, context: training)
        for (index, p) in parallel.parameters.enumerated() {
            let expected = zip(halves[0].parameters[index].grad.scalars, halves[1].parameters[index].grad.scalars).map { $0 + $1 }
            #expect(p.grad.scalars == expected, "parameter \(index)")
        }
        #expect(replicas[1].parameters.allSatisfy { $0.grad.scalars.allSatisfy { $0 == 0 } })
        // The next forward gives the other replica the primary's (changed) weights.
        parallel.parameters[0].withValues { w in w[0] += 1 }
        _ = parallel.forward(x, context: training)
        #expect(zip(replicas[0].parameters, replicas[1].parameters).allSatisfy { $0.value == $1.value })
    }
}
