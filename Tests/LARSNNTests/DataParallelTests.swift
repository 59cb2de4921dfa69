import Testing
import LARSNN
import LARSTestSupport

/// `DataParallel` against one model on the whole batch: the same outputs, input gradients,
/// parameter gradients and BatchNorm running statistics, step after step.
@Suite struct DataParallelTests {
    /// ||a - b|| / ||b||.
    func relativeL2(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "relativeL2: counts \(a.count) and \(b.count) differ")
        var difference = 0.0, norm = 0.0
        for i in a.indices {
            difference += Double(a[i] - b[i]) * Double(a[i] - b[i])
            norm += Double(b[i]) * Double(b[i])
        }
        return (difference / max(norm, 1e-30)).squareRoot()
    }

    func smallCNN(seed: UInt64 = 5) -> Sequential {
        var g = SeededGenerator(seed: seed)
        return Models.smallCNN(inputChannels: 1, classes: 10, imageSize: 8, generator: &g)
    }

    func resNet(seed: UInt64 = 6) -> Sequential {
        var g = SeededGenerator(seed: seed)
        return Models.resNet(depth: 8, inputChannels: 3, imageSize: 8, classes: 4, generator: &g)
    }

    /// One training step of `network`: logits, dL/dx (empty when the first layer skips it) and
    /// the parameter gradients, for the loss `sum(logits * weights)`; then `w -= 0.05 g`.
    func step(_ network: any Layer, _ x: Tensor, _ weights: Tensor, context: ExecutionContext) -> [[Float]] {
        network.zeroGrad()
        let logits = network.forward(x, context: context)
        let dx = network.backward(weights, context: context)
        var result = [logits.scalars, dx.scalars]
        for p in network.namedParameters {
            result.append(p.parameter.grad.scalars)
            p.parameter.value.withUnsafeMutableBufferPointer { w in
                p.parameter.grad.withUnsafeBufferPointer { g in
                    for i in 0..<w.count { w[i] -= 0.05 * g[i] }
                }
            }
        }
        return result
    }

    func compare(single: any Layer, parallel: DataParallel, batch: Int, inputShape: [Int], classes: Int, steps: Int) {
        var g = SeededGenerator(seed: 9)
        let one = ExecutionContext(isTraining: true, threads: 1)
        let two = ExecutionContext(isTraining: true, threads: 2)
        for stepIndex in 0..<steps {
            let x = Tensor(normal: [batch] + inputShape, generator: &g)
            let weights = Tensor(normal: [batch, classes], generator: &g)
            let expected = step(single, x, weights, context: one)
            let got = step(parallel, x, weights, context: two)
            #expect(got.count == expected.count)
            for (index, (a, b)) in zip(got, expected).enumerated() {
                #expect(a.count == b.count, "step \(stepIndex), array \(index): \(a.count) vs \(b.count) values")
                if a.count == b.count && !a.isEmpty {
                    #expect(relativeL2(a, b) < 1e-4, "step \(stepIndex), array \(index) (0 logits, 1 dx, then parameters): relative L2 \(relativeL2(a, b))")
                }
            }
        }
        for (a, b) in zip(parallel.namedBuffers, single.namedBuffers) {
            #expect(a.name.hasSuffix(b.name), "\(a.name) vs \(b.name)")  // inside a container the path grows
            #expect(relativeL2(a.buffer.value.scalars, b.buffer.value.scalars) < 1e-5, "running statistic \(a.name)")
        }
        // Evaluation mode (running statistics) agrees too, batch split over the replicas.
        let x = Tensor(normal: [batch] + inputShape, generator: &g)
        let expected = single.forward(x, context: one.evaluating)
        let got = parallel.forward(x, context: two.evaluating)
        #expect(relativeL2(got.scalars, expected.scalars) < 1e-5)
    }

    @Test(arguments: [2, 3])
    func smallCNNMatchesOneModelOverThreeSteps(_ replicas: Int) {
        let parallel = DataParallel(count: replicas) { smallCNN() }
        compare(single: smallCNN(), parallel: parallel, batch: 7, inputShape: [1, 8, 8], classes: 10, steps: 3)
    }

    @Test func resNetWithShortcutsMatchesOneModel() {
        let parallel = DataParallel(count: 2) { resNet() }
        compare(single: resNet(), parallel: parallel, batch: 6, inputShape: [3, 8, 8], classes: 4, steps: 2)
    }

    @Test("a dense model returns dL/dx, concatenated over the replicas")
    func inputGradientIsConcatenated() {
        func mlp() -> Sequential {
            var g = SeededGenerator(seed: 4)
            return Sequential([
                // BatchNorm after the ReLU: right after fc1 it would cancel fc1.bias's gradient,
                // leaving only rounding noise to compare.
                ("fc1", Dense(inputCount: 5, outputCount: 6, generator: &g)), ("relu", ReLU()),
                ("bn", BatchNorm(featureCount: 6)), ("fc2", Dense(inputCount: 6, outputCount: 3, generator: &g)),
            ])
        }
        compare(single: mlp(), parallel: DataParallel(count: 2) { mlp() }, batch: 5, inputShape: [5], classes: 3, steps: 2)
    }

    @Test("weights changed on the primary reach the other replicas before the next forward")
    func replicasFollowThePrimary() {
        let parallel = DataParallel(count: 2) { smallCNN(seed: 1) }
        let other = parallel.replicas[1]
        // A different initialisation of the same architecture is overwritten by the primary's.
        let fresh = DataParallel(replicas: [smallCNN(seed: 1), smallCNN(seed: 2)])
        var g = SeededGenerator(seed: 3)
        let x = Tensor(normal: [4, 1, 8, 8], generator: &g)
        let evaluation = ExecutionContext(isTraining: false, threads: 2)
        let reference = smallCNN(seed: 1).forward(x, context: evaluation)
        #expect(relativeL2(fresh.forward(x, context: evaluation).scalars, reference.scalars) < 1e-6)
        parallel.namedParameters[0].parameter.value.fill(0.5)
        _ = parallel.forward(x, context: evaluation)
        #expect(other.namedParameters[0].parameter.value.scalars.allSatisfy { $0 == 0.5 })
    }

    @Test("gradients accumulate over backward calls until zeroGrad, as for one model")
    func gradientsAccumulateOnThePrimaryOnly() {
        let parallel = DataParallel(count: 2) { smallCNN() }
        var g = SeededGenerator(seed: 8)
        let x = Tensor(normal: [4, 1, 8, 8], generator: &g)
        let dy = Tensor(normal: [4, 10], generator: &g)
        let context = ExecutionContext(isTraining: true, threads: 2)
        parallel.zeroGrad()
        _ = parallel.forward(x, context: context)
        _ = parallel.backward(dy, context: context)
        let once = parallel.namedParameters.map(\.parameter.grad.scalars)
        _ = parallel.forward(x, context: context)
        _ = parallel.backward(dy, context: context)
        let twice = parallel.namedParameters.map(\.parameter.grad.scalars)
        for (a, b) in zip(twice, once) {
            #expect(relativeL2(a, b.map { 2 * $0 }) < 1e-5)
        }
        for p in parallel.replicas[1].namedParameters {
            #expect(p.parameter.grad.scalars.allSatisfy { $0 == 0 }, "\(p.name) of replica 1 was not zeroed")
        }
    }

    @Test("the same inputs give bit-identical results on every run")
    func deterministic() {
        func run() -> [[Float]] {
            let parallel = DataParallel(count: 2) { smallCNN() }
            var g = SeededGenerator(seed: 10)
            let x = Tensor(normal: [9, 1, 8, 8], generator: &g)
            let w = Tensor(normal: [9, 10], generator: &g)
            let context = ExecutionContext(isTraining: true, threads: 2)
            return step(parallel, x, w, context: context) + step(parallel, x, w, context: context)
        }
        #expect(run() == run())
    }

    @Test("the same seed, engine and threads give bit-identical ResNet weights after training steps",
        arguments: ConvolutionEngine.available)
    func deterministicOnEachEngine(_ engine: ConvolutionEngine) {
        func run() -> [[Float]] {
            let parallel = DataParallel(count: 2) { resNet() }
            var g = SeededGenerator(seed: 11)
            let context = ExecutionContext(isTraining: true, threads: 2, convolutionEngine: engine)
            for _ in 0..<3 {
                let x = Tensor(normal: [6, 3, 8, 8], generator: &g)
                let w = Tensor(normal: [6, 4], generator: &g)
                _ = step(parallel, x, w, context: context)
            }
            return parallel.namedParameters.map(\.parameter.value.scalars)
                + parallel.namedBuffers.map(\.buffer.value.scalars)
        }
        #expect(run() == run(), "\(engine)")
    }

    @Test("a batch smaller than the replica count uses fewer replicas, down to the primary alone")
    func tinyBatches() {
        let parallel = DataParallel(count: 3) { smallCNN() }
        compare(single: smallCNN(), parallel: parallel, batch: 2, inputShape: [1, 8, 8], classes: 10, steps: 1)
        // One image trains on the primary alone; its BatchNorm must not wait for the others.
        let alone = DataParallel(count: 2) { smallCNN() }
        let single = smallCNN()
        compare(single: single, parallel: alone, batch: 1, inputShape: [1, 8, 8], classes: 10, steps: 2)
        // Then a full batch again uses every replica, continuing from the same weights.
        compare(single: single, parallel: alone, batch: 4, inputShape: [1, 8, 8], classes: 10, steps: 1)
        var g = SeededGenerator(seed: 2)
        let x = Tensor(normal: [1, 1, 8, 8], generator: &g)
        let evaluation = ExecutionContext(isTraining: false, threads: 2)
        #expect(parallel.forward(x, context: evaluation).shape == [1, 10])
    }

    @Test("an outer reducer sums the replicas' total over processes, as synchronised BatchNorm does")
    func outerReducerSeesTheWholeBatch() {
        // Two processes holding the same batch: the outer sum doubles every statistic, which
        // leaves means and variances unchanged but is visible in the call count.
        let counter = CountingReducer(processes: 2)
        let parallel = DataParallel(count: 2) { smallCNN() }
        #expect(parallel.setBatchStatisticsReducer(counter) == 2)
        let single = smallCNN()
        single.setBatchStatisticsReducer(ReplicatedReducer(processes: 2))
        compare(single: single, parallel: parallel, batch: 6, inputShape: [1, 8, 8], classes: 10, steps: 1)
        // Two BatchNorm layers, two sums each in forward and one in backward: 6 calls per step,
        // made once per step by replica 0, not once per replica.
        #expect(counter.calls == 6)
    }

    @Test("a reducer set on a model that contains a DataParallel becomes its outer reducer")
    func reducerThroughAnEnclosingContainer() {
        let parallel = DataParallel(count: 2) { smallCNN() }
        let outer = Sequential([("body", parallel)])
        let counter = CountingReducer(processes: 1)
        #expect(outer.setBatchStatisticsReducer(counter) == 2)
        #expect(parallel.outerStatisticsReducer === counter)
        // The replicas still exchange with each other: a training step completes and agrees.
        compare(single: smallCNN(), parallel: parallel, batch: 4, inputShape: [1, 8, 8], classes: 10, steps: 1)
        #expect(counter.calls == 6)
    }

    @Test func shapeErrorsNameTheReplicasLayer() {
        let parallel = DataParallel(count: 2) { smallCNN() }
        let message = parallel.validateInput(shape: [2, 3, 8, 8])
        #expect(message?.contains("conv1") == true, "got \(message ?? "nil")")
        #expect(message?.contains("[2, 3, 8, 8]") == true)
    }
}

/// `processes` processes holding the same batch, counting its calls.
final class CountingReducer: BatchStatisticsReducer {
    let processes: Double
    var calls = 0
    init(processes: Int) { self.processes = Double(processes) }
    func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        calls += 1
        for i in values.indices { values[i] *= processes }
    }
}
