import Testing
import LARSNN
import LARSTestSupport

/// Initialiser statistics, determinism and orthogonality.
@Suite struct WeightInitializerTests {
    static func moments(_ t: Tensor) -> (mean: Double, variance: Double, maxAbs: Float) {
        let n = Double(t.count)
        let mean = t.scalars.reduce(0) { $0 + Double($1) } / n
        let variance = t.scalars.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        return (mean, variance, t.scalars.map(abs).max() ?? 0)
    }

    @Test func varianceMatchesEachRule() {
        var g = SeededGenerator(seed: 3)
        let shape = [64, 32, 3, 3]
        let (fanIn, fanOut) = (32 * 9, 64 * 9)
        let he = Self.moments(WeightInitializer.heNormal.make(shape: shape, fanIn: fanIn, fanOut: fanOut, generator: &g))
        #expect(abs(he.variance / (2.0 / Double(fanIn)) - 1) < 0.05)
        #expect(abs(he.mean) < 0.005)
        let heU = Self.moments(WeightInitializer.heUniform.make(shape: shape, fanIn: fanIn, fanOut: fanOut, generator: &g))
        #expect(abs(heU.variance / (2.0 / Double(fanIn)) - 1) < 0.05)
        #expect(Double(heU.maxAbs) <= (6.0 / Double(fanIn)).squareRoot())
        let glorot = Self.moments(WeightInitializer.glorotUniform.make(shape: shape, fanIn: fanIn, fanOut: fanOut, generator: &g))
        let torch = Self.moments(WeightInitializer.pytorchDefault.make(shape: shape, fanIn: fanIn, fanOut: fanOut, generator: &g))
        #expect(abs(torch.variance / (1.0 / (3.0 * Double(fanIn))) - 1) < 0.05)
        #expect(Double(torch.maxAbs) <= 1 / Double(fanIn).squareRoot())
        #expect(abs(glorot.variance / (2.0 / Double(fanIn + fanOut)) - 1) < 0.05)
        #expect(WeightInitializer.zeros.make(shape: [3], fanIn: 1, fanOut: 1, generator: &g).scalars == [0, 0, 0])
        #expect(WeightInitializer.ones.make(shape: [2], fanIn: 1, fanOut: 1, generator: &g).scalars == [1, 1])
    }

    @Test func orthogonalRowsAreOrthonormalTimesGain() {
        var g = SeededGenerator(seed: 5)
        let w = WeightInitializer.orthogonal(gain: 2).make(shape: [8, 4, 3, 3], fanIn: 36, fanOut: 72, generator: &g)
        #expect(w.shape == [8, 4, 3, 3])
        let m = w.reshaped([8, 36])
        let gram = Tensor.matmul(m, m, transposeB: true)
        var worst: Float = 0
        for i in 0..<8 { for j in 0..<8 { worst = max(worst, abs(gram[i, j] - (i == j ? 4 : 0))) } }
        #expect(worst < 1e-4)
    }

    @Test func sameSeedSameWeights() {
        var a = SeededGenerator(seed: 9)
        var b = SeededGenerator(seed: 9)
        let d1 = Dense(inputCount: 10, outputCount: 4, weightInitializer: .glorotUniform, generator: &a)
        let d2 = Dense(inputCount: 10, outputCount: 4, weightInitializer: .glorotUniform, generator: &b)
        #expect(d1.weight.value == d2.weight.value)
        #expect(d1.bias!.value.scalars == [0, 0, 0, 0])
    }
}
