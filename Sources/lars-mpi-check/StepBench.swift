import LARSCore
import LARSDistributed
import LARSNN

/// The models the step benchmark can time.
enum BenchModel: String, CaseIterable {
    /// `Models.smallCNN` on 1x28x28 inputs (Fashion-MNIST shape).
    case smallCNN = "small-cnn"
    /// `Models.resNet(depth: 20)` on 3x32x32 inputs (CIFAR shape).
    case resNet20 = "resnet20"
}

/// Times data-parallel training steps of a real model on synthetic data: each rank runs
/// forward/backward on its shard of the global batch with `threads` threads, the gradients are
/// summed with ONE allReduceSum over a flat buffer, then a plain SGD update. Rank 0 prints
/// images/s over the global batch and the time per step spent in MPI_Allreduce.
///
/// BatchNorm layers use each rank's local batch statistics (as DDP does), so this measures
/// speed, not agreement with one process.
func runStepBench(
    model kind: BenchModel, globalBatch: Int, steps: Int, warmup: Int, threads: Int, group: MPIProcessGroup
) throws {
    let (model, inputShape) = makeBenchModel(kind)
    let parameterCount = model.parameterCount
    // The model's one flat store: collectives are single calls on its buffers, as in the trainer.
    let store = model.bindParameters()

    // Start from rank 0's weights, as the trainer does.
    try group.broadcast(store.valueBuffer, root: 0)

    let rows = shard(batch: globalBatch, rank: group.rank, size: group.size)
    var dataGenerator = SeededGenerator(seed: 11 &+ UInt64(group.rank))
    let x = Tensor(normal: [rows.count] + inputShape, generator: &dataGenerator)
    let labels = (0..<rows.count).map { _ in dataGenerator.nextInt(below: 10) }
    // softmaxCrossEntropy averages over the local rows; the global mean needs rows/B instead.
    let localShare = Float(rows.count) / Float(globalBatch)
    let elapsed = try timeSteps(
        model, store, x: x, labels: labels, rate: 0.01 * localShare, steps: steps, warmup: warmup,
        context: ExecutionContext(threads: threads), group: group)
    let allReduceMilliseconds = group.statistics.allReduceSeconds / Double(steps) * 1000
    // The slowest rank's allreduce time is mostly waiting; report rank 0's and the mean.
    var total = [group.statistics.allReduceSeconds]
    try total.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
    guard group.rank == 0 else { return }
    let imagesPerSecond = Double(globalBatch * steps) / elapsed
    print(
        "step-bench model=\(kind.rawValue) ranks=\(group.size) threads/rank=\(threads) global batch=\(globalBatch) "
            + "parameters=\(parameterCount) steps=\(steps): \(format2(imagesPerSecond)) images/s, "
            + "\(format3(elapsed / Double(steps) * 1000)) ms/step, MPI_Allreduce \(format3(allReduceMilliseconds)) ms/step on rank 0 "
            + "(mean over ranks \(format3(total[0] / Double(group.size) / Double(steps) * 1000)) ms)")
}

/// The model of `kind` (seed 7) and its input shape per image.
private func makeBenchModel(_ kind: BenchModel) -> (model: Sequential, inputShape: [Int]) {
    var generator = SeededGenerator(seed: 7)
    return switch kind {
    case .smallCNN: (Models.smallCNN(generator: &generator), [1, 28, 28])
    case .resNet20: (Models.resNet(depth: 20, generator: &generator), [3, 32, 32])
    }
}

/// Runs `warmup + steps` steps (forward, backward, allReduceSum of the gradients, SGD) and
/// returns the seconds the last `steps` took, between barriers; the MPI statistics are reset
/// when the timed steps begin.
private func timeSteps(
    _ model: Sequential, _ store: ParameterStore, x: Tensor, labels: [Int], rate: Float, steps: Int, warmup: Int,
    context: ExecutionContext, group: MPIProcessGroup
) throws -> Double {
    var start = 0.0
    for step in 0..<(warmup + steps) {
        if step == warmup {
            try group.barrier()
            group.resetStatistics()
            start = MPIProcessGroup.now()
        }
        model.zeroGrad()
        let logits = model.forward(x, context: context)
        let (_, gradient) = softmaxCrossEntropy(logits: logits, labels: labels)
        _ = model.backward(gradient, context: context)
        try group.allReduceSum(store.gradientBuffer)
        sgdStep(store, rate: rate)
    }
    try group.barrier()
    return MPIProcessGroup.now() - start
}

/// `w -= rate * g` over the whole store (the padding stays zero).
private func sgdStep(_ store: ParameterStore, rate: Float) {
    let w = store.values, g = store.gradients
    for i in 0..<store.count { w[i] -= rate * g[i] }
}
