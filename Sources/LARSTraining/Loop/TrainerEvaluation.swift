/// Evaluation of the model being trained: evaluation mode (running BatchNorm statistics), each
/// rank on its shard, sums reduced over the ranks.
extension Trainer {
    /// Mean loss and top-1 accuracy on the test set (the first `testLimit` images).
    public func evaluate() throws -> (loss: Double, accuracy: Double) {
        try evaluate(on: testSet, limit: configuration.testLimit)
    }

    /// Mean loss and top-1 accuracy on the first `limit` images of `dataset` (all when `nil`),
    /// normalised with the training images' statistics.
    public func evaluate(on dataset: ImageDataset, limit: Int?) throws -> (loss: Double, accuracy: Double) {
        let loader = BatchLoader(
            dataset: dataset,
            options: BatchOptions.evaluation(
                batchSize: max(configuration.evalBatchSize, group.size), normalization: normalization,
                rank: group.rank, worldSize: group.size, threads: 1).with(limit: limit))
        let evaluation = context.evaluating
        var sums = [0.0, 0.0, 0.0]  // loss * n, correct, n
        for batch in loader.epoch(0) where batch.count > 0 {
            let logits = network.forward(batch.images, context: evaluation)
            let (loss, _) = softmaxCrossEntropy(logits: logits, labels: batch.labels)
            sums[0] += Double(loss) * Double(batch.count)
            sums[1] += Double(correctCount(logits: logits, labels: batch.labels))
            sums[2] += Double(batch.count)
        }
        try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        return (sums[0] / max(sums[2], 1), sums[1] / max(sums[2], 1))
    }
}

extension BatchOptions {
    /// The same options with another subset limit.
    func with(limit: Int?) -> BatchOptions {
        var copy = self
        copy.limit = limit
        return copy
    }
}
