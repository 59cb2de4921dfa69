import Testing
import LARSNN

/// A tiny CNN learns a synthetic task with plain SGD written inline (no optimizer module).
@Suite struct TrainingSmokeTests {
    /// 8x8 one-channel images: class 0 has a bright top half, class 1 a bright bottom half, plus noise.
    static func batch(_ count: Int, generator: inout SeededGenerator) -> (Tensor, [Int]) {
        var x = Tensor(normal: [count, 1, 8, 8], standardDeviation: 0.5, generator: &generator)
        var labels: [Int] = []
        for n in 0..<count {
            let label = generator.nextInt(below: 2)
            labels.append(label)
            for row in 0..<8 where (row < 4) == (label == 0) {
                for col in 0..<8 { x[n, 0, row, col] += 1 }
            }
        }
        return (x, labels)
    }

    @Test func lossFallsWithPlainSGD() {
        var g = SeededGenerator(seed: 2024)
        let model = Sequential([
            ("conv", Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, bias: false, generator: &g)),
            ("bn", BatchNorm(featureCount: 4)),
            ("relu", ReLU()),
            ("pool", MaxPool2D(kernelSize: 2)),
            ("flatten", Flatten()),
            ("fc", Dense(inputCount: 4 * 4 * 4, outputCount: 2, generator: &g)),
        ])
        let context = ExecutionContext(isTraining: true)
        var losses: [Float] = []
        for _ in 0..<30 {
            let (x, labels) = Self.batch(16, generator: &g)
            model.zeroGrad()
            let logits = model.forward(x, context: context)
            let (loss, dLogits) = softmaxCrossEntropy(logits: logits, labels: labels)
            _ = model.backward(dLogits, context: context)
            for p in model.parameters { p.value = p.value - 0.1 * p.grad }
            losses.append(loss)
        }
        let early = losses.prefix(5).reduce(0, +) / 5
        let late = losses.suffix(5).reduce(0, +) / 5
        #expect(late < 0.5 * early, "loss went from \(early) to \(late)")
        let (x, labels) = Self.batch(64, generator: &g)
        let accuracy = top1Accuracy(logits: model.forward(x, context: context.evaluating), labels: labels)
        #expect(accuracy > 0.9, "held-out accuracy \(accuracy)")
    }
}
