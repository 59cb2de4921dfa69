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
    var generator = SeededGenerator(seed: 7)
    let (model, inputShape): (Sequential, [Int]) =
        switch kind {
        case .smallCNN: (Models.smallCNN(generator: &generator), [1, 28, 28])
        case .resNet20: (Models.resNet(depth: 20, generator: &generator), [3, 32, 32])
        }
    let parameters = model.namedParameters.map(\.parameter)
    let parameterCount = parameters.reduce(0) { $0 + $1.value.count }
    var flat = [Float](repeating: 0, count: parameterCount)

    // Start from rank 0's weights, as the trainer does.
    gather(parameters, into: &flat, \.value)
    try flat.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
    scatter(flat, into: parameters, scale: 1, learningRate: nil)

    let rows = shard(batch: globalBatch, rank: group.rank, size: group.size)
    var dataGenerator = SeededGenerator(seed: 11 &+ UInt64(group.rank))
    let x = Tensor(normal: [rows.count] + inputShape, generator: &dataGenerator)
    let labels = (0..<rows.count).map { _ in dataGenerator.nextInt(below: 10) }
    let context = ExecutionContext(threads: threads)
    // softmaxCrossEntropy averages over the local rows; the global mean needs rows/B instead.
    let localShare = Float(rows.count) / Float(globalBatch)

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
        gather(parameters, into: &flat, \.grad)
        try flat.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        scatter(flat, into: parameters, scale: localShare, learningRate: 0.01)
    }
    try group.barrier()
    let elapsed = MPIProcessGroup.now() - start
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

/// Copies each parameter's `value` or `grad` into consecutive slices of `flat`.
private func gather(_ parameters: [Parameter], into flat: inout [Float], _ field: KeyPath<Parameter, Tensor>) {
    flat.withUnsafeMutableBufferPointer { f in
        var offset = 0
        for parameter in parameters {
            parameter[keyPath: field].withUnsafeBufferPointer { source in
                (f.baseAddress! + offset).update(from: source.baseAddress!, count: source.count)
                offset += source.count
            }
        }
    }
}

/// Without a learning rate, copies `flat` into the values; with one, treats `flat` as the summed
/// gradient times `1/scale` and takes an SGD step `w -= lr * scale * g`.
private func scatter(_ flat: [Float], into parameters: [Parameter], scale: Float, learningRate: Float?) {
    flat.withUnsafeBufferPointer { f in
        var offset = 0
        for parameter in parameters {
            parameter.value.withUnsafeMutableBufferPointer { w in
                let source = f.baseAddress! + offset
                if let learningRate {
                    let rate = learningRate * scale
                    for i in 0..<w.count { w[i] -= rate * source[i] }
                } else {
                    w.baseAddress!.update(from: source, count: w.count)
                }
                offset += w.count
            }
        }
    }
}
