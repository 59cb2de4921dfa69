import Foundation
import Testing
import LARSTraining
import LARSTestSupport

/// A fresh built-in model must start where cross-entropy says it should: near ln(classes), the
/// loss of uniform predictions (issue #21). A larger first loss means large initial logits, which
/// made plain SGD's warm-up blow up in the large-batch study.
@Suite struct InitialLossTests {
    /// The training-mode loss of a model fresh from `ModelFactory` on a batch of unit-variance
    /// images (the statistics of normalised data) with balanced labels.
    static func initialLoss(_ model: ModelKind, channels: Int, side: Int, batch: Int, seed: UInt64, zeroInit: Bool? = nil) throws -> Float {
        var c = TrainingConfiguration()
        c.model = .builtIn(model)
        c.zeroInitResidual = zeroInit
        var generator = SeededGenerator(seed: seed)
        let net = try ModelFactory.make(c, channels: channels, imageSize: side, classes: 10, generator: &generator)
        let images = Tensor(normal: [batch, channels, side, side], standardDeviation: 1, generator: &generator)
        let labels = (0..<batch).map { $0 % 10 }
        let logits = net.forward(images, context: ExecutionContext(isTraining: true, threads: 2))
        return softmaxCrossEntropy(logits: logits, labels: labels).loss
    }

    @Test(arguments: [
        (ModelKind.smallCNN, 1, 28), (.mlp, 1, 28), (.resnet20, 3, 32), (.resnet32, 3, 32), (.resnet44, 3, 32), (.resnet56, 3, 32),
    ])
    func startsWithinATenthOfLnClasses(model: ModelKind, channels: Int, side: Int) throws {
        for seed: UInt64 in [1, 2] {
            let loss = try Self.initialLoss(model, channels: channels, side: side, batch: 64, seed: seed)
            #expect(abs(Double(loss) - log(10)) < 0.1, "\(model.rawValue) seed \(seed): initial loss \(loss), ln 10 = \(log(10.0))")
        }
    }

    @Test(arguments: [nil, true, false] as [Bool?])
    func zeroInitResidualStartsEveryBlockAsItsShortcut(setting: Bool?) throws {
        var c = TrainingConfiguration()
        c.model = .builtIn(.resnet20)
        c.zeroInitResidual = setting
        let zero = setting ?? true
        var generator = SeededGenerator(seed: 3)
        let net = try ModelFactory.make(c, channels: 3, imageSize: 32, classes: 10, generator: &generator)
        let scales = net.namedParameters.filter { $0.name.hasSuffix("bn2.scale") }
        #expect(scales.count == 9)
        #expect(scales.allSatisfy { $0.parameter.value.scalars.allSatisfy { $0 == (zero ? 0 : 1) } })
        let others = net.namedParameters.filter { $0.name.hasSuffix(".scale") && !$0.name.hasSuffix("bn2.scale") }
        #expect(!others.isEmpty && others.allSatisfy { $0.parameter.value.scalars.allSatisfy { $0 == 1 } })
    }
}
