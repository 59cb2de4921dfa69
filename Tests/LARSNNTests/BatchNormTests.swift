import Testing
import LARSNN
import LARSTestSupport

/// BatchNorm's training and evaluation semantics against hand-computed values.
@Suite struct BatchNormTests {
    @Test func trainingNormalisesWithBatchStatisticsAndUpdatesRunningOnes() {
        let bn = BatchNorm(featureCount: 2)
        bn.scale.value = Tensor([2, 1])
        bn.shift.value = Tensor([0.5, -1])
        // Channel 0: 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3).
        // Channel 1: 10, 10, 10, 14 (mean 11, biased var 3, unbiased 4).
        let x = Tensor(shape: [4, 2], scalars: [1, 10, 2, 10, 3, 10, 4, 14])
        let y = bn.forward(x, context: ExecutionContext(isTraining: true))
        let eps: Float = 1e-5
        var expected: [Float] = []
        for row in 0..<4 {
            expected.append(2 * (x[row, 0] - 2.5) / (1.25 + eps).squareRoot() + 0.5)
            expected.append(1 * (x[row, 1] - 11) / (3 + eps).squareRoot() - 1)
        }
        #expect(maxAbsoluteError(y.scalars, expected) < 1e-5)
        // running = 0.9 * running + 0.1 * batch, with the unbiased variance.
        #expect(maxAbsoluteError(bn.runningMean.value.scalars, [0.25, 1.1]) < 1e-6)
        #expect(maxAbsoluteError(bn.runningVariance.value.scalars, [0.9 + 0.1 * 5 / 3, 0.9 + 0.1 * 4]) < 1e-6)

        // A second step compounds the momentum.
        _ = bn.forward(x, context: ExecutionContext(isTraining: true))
        #expect(maxAbsoluteError(bn.runningMean.value.scalars, [0.9 * 0.25 + 0.25, 0.9 * 1.1 + 1.1]) < 1e-5)
    }

    @Test func evaluationUsesRunningStatisticsAndLeavesThemAlone() {
        let bn = BatchNorm(featureCount: 1)
        bn.runningMean.value = Tensor([3])
        bn.runningVariance.value = Tensor([4])
        bn.scale.value = Tensor([0.5])
        bn.shift.value = Tensor([1])
        let x = Tensor(shape: [2, 1, 1, 2], scalars: [3, 5, 7, -1])
        let y = bn.forward(x, context: ExecutionContext(isTraining: false))
        let s = 1 / (4 + Float(1e-5)).squareRoot()
        let expected = x.scalars.map { 0.5 * ($0 - 3) * s + 1 }
        #expect(maxAbsoluteError(y.scalars, expected) < 1e-6)
        #expect(bn.runningMean.value.scalars == [3])
        #expect(bn.runningVariance.value.scalars == [4])
    }

    @Test func featureMapStatisticsPoolOverBatchAndPixels() {
        let bn = BatchNorm(featureCount: 2, momentum: 1)
        // [N=2, C=2, H=1, W=2]: channel 0 holds 1, 3, 5, 7; channel 1 holds 0, 0, 2, 2.
        let x = Tensor(shape: [2, 2, 1, 2], scalars: [1, 3, 0, 0, 5, 7, 2, 2])
        let y = bn.forward(x, context: ExecutionContext(isTraining: true))
        // momentum 1: the running values are exactly the batch's (unbiased variance).
        #expect(maxAbsoluteError(bn.runningMean.value.scalars, [4, 1]) < 1e-6)
        #expect(maxAbsoluteError(bn.runningVariance.value.scalars, [20.0 / 3, 4.0 / 3]) < 1e-5)
        // Each channel's output has mean 0 and biased variance ~1.
        for c in 0..<2 {
            let values = [y[0, c, 0, 0], y[0, c, 0, 1], y[1, c, 0, 0], y[1, c, 0, 1]]
            let mean = values.reduce(0, +) / 4
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-4)
        }
    }

    @Test func parametersAndBuffersHaveKindsAndNames() {
        let bn = BatchNorm(featureCount: 3)
        #expect(bn.namedParameters.map(\.name) == ["scale", "shift"])
        let model = Sequential([("stage1", Sequential([("block0", Sequential([("bn1", bn)]))]))])
        #expect(model.namedParameters.map(\.name) == ["stage1.block0.bn1.scale", "stage1.block0.bn1.shift"])
        #expect(bn.namedParameters.map(\.parameter.kind) == [.normScale, .normShift])
        #expect(model.namedBuffers.map(\.name) == ["stage1.block0.bn1.runningMean", "stage1.block0.bn1.runningVariance"])
        #expect(bn.scale.value.scalars == [1, 1, 1] && bn.shift.value.scalars == [0, 0, 0])
        #expect(bn.runningVariance.value.scalars == [1, 1, 1])
    }
}
