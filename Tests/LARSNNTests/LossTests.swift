import Testing
import LARSNN
import LARSTestSupport
import Foundation

/// Softmax cross-entropy and accuracy against hand-computed values and finite differences.
@Suite struct LossTests {
    @Test func twoEqualLogitsCostLogTwo() {
        let (loss, gradient) = softmaxCrossEntropy(logits: Tensor(shape: [1, 2], scalars: [0, 0]), labels: [0])
        #expect(abs(loss - Float(log(2.0))) < 1e-6)
        #expect(maxAbsoluteError(gradient.scalars, [-0.5, 0.5]) < 1e-6)
    }

    @Test func matchesTheDirectFormulaWithSmoothing() {
        var g = SeededGenerator(seed: 4)
        let logits = Tensor(normal: [5, 7], standardDeviation: 3, generator: &g)
        let labels = [0, 6, 3, 3, 1]
        for smoothing: Float in [0, 0.1] {
            let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: smoothing)
            var expected: Double = 0
            for n in 0..<5 {
                let row = (0..<7).map { Double(logits[n, $0]) }
                let logZ = log(row.map { exp($0) }.reduce(0, +))
                for k in 0..<7 {
                    let q = (k == labels[n] ? 1 - Double(smoothing) : 0) + Double(smoothing) / 7
                    expected += -q * (row[k] - logZ)
                    let p = exp(row[k] - logZ)
                    #expect(abs(Double(gradient[n, k]) - (p - q) / 5) < 1e-6)
                }
            }
            #expect(abs(Double(loss) - expected / 5) < 1e-5)
        }
    }

    @Test func hugeLogitsStayFinite() {
        let (loss, gradient) = softmaxCrossEntropy(logits: Tensor(shape: [2, 2], scalars: [1000, 0, -1000, 1000]), labels: [1, 0])
        #expect(loss.isFinite && abs(loss - 1500) < 1e-2)
        #expect(gradient.scalars.allSatisfy { $0.isFinite })
        #expect(maxAbsoluteError(gradient.scalars, [0.5, -0.5, -0.5, 0.5]) < 1e-6)
    }

    @Test(arguments: BackendChoice.allCases)
    func gradientMatchesFiniteDifferences(_ backend: BackendChoice) {
        var g = SeededGenerator(seed: 8)
        let logits = Tensor(normal: [4, 5], generator: &g)
        let labels = [1, 4, 0, 2]
        // The loss is a layer with a one-element output; backward scales dL/dz by dy.
        let report = checkGradients(
            input: logits, parameters: [],
            forward: { Tensor([softmaxCrossEntropy(logits: $0, labels: labels, labelSmoothing: 0.1).loss]) },
            backward: { dy in
                softmaxCrossEntropy(logits: logits, labels: labels, labelSmoothing: 0.1).gradient.map { $0 * dy.scalars[0] }
            },
            step: 1e-2)
        #expect(report.passed, "\(backend): \(report)")
    }

    @Test func accuracyCountsArgmaxHits() {
        let logits = Tensor(shape: [4, 3], scalars: [1, 2, 3, 5, 0, 0, 0, 9, 1, 2, 2, 0])
        #expect(correctCount(logits: logits, labels: [2, 0, 0, 0]) == 3)  // tie in row 3 goes to index 0
        #expect(top1Accuracy(logits: logits, labels: [2, 0, 0, 0]) == 0.75)
        #expect(top1Accuracy(logits: Tensor(zeros: [0, 3]), labels: []) == 0)
    }
}
