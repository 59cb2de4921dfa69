import Testing
import LARSNN

/// Evaluation-mode forward results must depend only on the weights, buffers and input, never on
/// what the model computed before (scratch buffers, cached shapes, uninitialised outputs).
@Suite struct EvaluationDeterminismTests {
    /// Per-child outputs of `model` on `input` in evaluation mode.
    private func layerOutputs(_ model: Sequential, _ input: Tensor, context: ExecutionContext) -> [(String, [Float])] {
        var x = input
        var outputs: [(String, [Float])] = []
        for child in model.children {
            x = child.layer.forward(x, context: context)
            outputs.append((child.name, x.scalars))
        }
        return outputs
    }

    /// The first child whose outputs differ bit for bit, or `nil`.
    private func firstDifference(_ a: [(String, [Float])], _ b: [(String, [Float])]) -> String? {
        for ((name, x), (_, y)) in zip(a, b) where x.map(\.bitPattern) != y.map(\.bitPattern) {
            let count = zip(x, y).filter { $0.bitPattern != $1.bitPattern }.count
            return "\(name): \(count) of \(x.count) values differ"
        }
        return nil
    }

    /// conv1 of the small CNN (patch 9, 28x28) works in chunks of 148 images: 300 images end
    /// with a short chunk of 4, after larger batches and a training step of 128 have run.
    @Test func smallCNNEvaluationIgnoresHistory() {
        let threads = 1
        var generator = SeededGenerator(seed: 11)
        let model = Models.smallCNN(generator: &generator)
        // The Swift gemm with its own thread count: OpenBLAS's is process-wide, and tests running
        // beside this one (a Trainer sets it) change its summation order between two calls.
        let backend = SwiftBackend(gemm: .tuned, threads: threads)
        let training = ExecutionContext(backend: backend, isTraining: true, threads: threads)
        let evaluation = ExecutionContext(backend: backend, isTraining: false, threads: threads)
        for _ in 0..<2 {
            let batch = Tensor(normal: [128, 1, 28, 28], generator: &generator)
            let logits = model.forward(batch, context: training)
            _ = model.backward(logits, context: training)
        }
        let small = Tensor(normal: [300, 1, 28, 28], generator: &generator)
        let large = Tensor(normal: [600, 1, 28, 28], generator: &generator)

        // A fresh model holding the same weights and buffers, which has never run.
        var other = SeededGenerator(seed: 99)
        let fresh = Models.smallCNN(generator: &other)
        for (target, source) in zip(fresh.namedParameters, model.namedParameters) { target.parameter.value = source.parameter.value }
        for (target, source) in zip(fresh.namedBuffers, model.namedBuffers) { target.buffer.value = source.buffer.value }
        let freshLogits = fresh.forward(small, context: evaluation).scalars

        let first = model.forward(small, context: evaluation).scalars
        _ = model.forward(large, context: evaluation)
        let batch = Tensor(normal: [128, 1, 28, 28], generator: &generator)
        let saved = model.namedParameters.map(\.parameter.value) + model.namedBuffers.map(\.buffer.value)
        _ = model.backward(model.forward(batch, context: training), context: training)
        for (p, v) in zip(model.namedParameters, saved) { p.parameter.value = v }
        for (b, v) in zip(model.namedBuffers, saved.dropFirst(model.namedParameters.count)) { b.buffer.value = v }
        let again = model.forward(small, context: evaluation).scalars

        #expect(first.map(\.bitPattern) == again.map(\.bitPattern), "eval after other batches differs")
        #expect(freshLogits.map(\.bitPattern) == first.map(\.bitPattern), "trained model vs fresh copy differs")
        if first.map(\.bitPattern) != again.map(\.bitPattern) || freshLogits.map(\.bitPattern) != first.map(\.bitPattern) {
            // Name the first layer whose output differs.
            let a = layerOutputs(fresh, small, context: evaluation)
            let b = layerOutputs(model, small, context: evaluation)
            Issue.record("first differing layer: \(firstDifference(a, b) ?? "none on rerun")")
        }
    }
}
