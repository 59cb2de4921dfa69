/// Evaluation and prediction of any model on a whole data set, in evaluation mode.
public struct Evaluation: Sendable, Equatable {
    /// Mean softmax cross-entropy, in nats.
    public var loss: Double
    /// Fraction (0...1) of images whose most likely class is the label.
    public var accuracy: Double
    /// Images evaluated.
    public var count: Int
}

extension Layer {
    /// Mean loss and top-1 accuracy of the model on the first `limit` images of `dataset` (all
    /// when `nil`), in batches of `batchSize`, in evaluation mode (`context.evaluating`).
    ///
    /// Pass the `normalization` the model was trained with (`Trainer.normalization`, or the one
    /// stored in its checkpoint); `nil` only scales bytes to `[0, 1]` (and leaves `Float` data as
    /// it is).
    /// - Throws: `LayerInputError` when the images do not fit the model, or when the model has
    ///   fewer outputs than the data set has classes.
    public func evaluate(
        on dataset: ImageDataset, normalization: Normalization? = nil, batchSize: Int = 256, limit: Int? = nil,
        context: ExecutionContext = ExecutionContext()
    ) throws -> Evaluation {
        var loss = 0.0, correct = 0, count = 0
        try forEachBatch(of: dataset, normalization: normalization, batchSize: batchSize, limit: limit, context: context) { logits, labels in
            loss += Double(softmaxCrossEntropy(logits: logits, labels: labels).loss) * Double(labels.count)
            correct += correctCount(logits: logits, labels: labels)
            count += labels.count
        }
        return Evaluation(loss: loss / Double(max(count, 1)), accuracy: Double(correct) / Double(max(count, 1)), count: count)
    }

    /// Class probabilities and the `top` most likely classes of every image of `dataset` (the
    /// first `limit`), in file order, normalised with `normalization` (see `evaluate`).
    public func predict(
        on dataset: ImageDataset, normalization: Normalization? = nil, top k: Int = 1, batchSize: Int = 256,
        limit: Int? = nil, context: ExecutionContext = ExecutionContext()
    ) throws -> Prediction {
        var probabilities: [Tensor] = []
        var top: [[Int]] = []
        try forEachBatch(of: dataset, normalization: normalization, batchSize: batchSize, limit: limit, context: context) { logits, _ in
            let prediction = Prediction(logits: logits, top: k)
            probabilities.append(prediction.probabilities)
            top += prediction.topClasses
        }
        var result = Prediction(logits: Tensor(zeros: [0, 1]))
        result.probabilities = Tensor(concatenatingBatches: probabilities)
        result.topClasses = top
        return result
    }

    /// Runs evaluation-mode forward passes over the data set's batches, checking the first
    /// batch's shape and the model's class count before any work is reported.
    private func forEachBatch(
        of dataset: ImageDataset, normalization: Normalization?, batchSize: Int, limit: Int?, context: ExecutionContext,
        _ body: (Tensor, [Int]) -> Void
    ) throws {
        guard batchSize > 0 else { throw LayerInputError(message: "\(layerDescription): batch size must be positive, got \(batchSize)") }
        if let normalization, normalization.channels != dataset.channels {
            throw LayerInputError(message: "\(dataset.name): the normalization has \(normalization.channels) channels, the images \(dataset.channels)")
        }
        let shape = [min(batchSize, dataset.count), dataset.channels, dataset.height, dataset.width]
        if let message = validateInput(shape: shape) { throw LayerInputError(message: "\(dataset.name): " + message) }
        var options = BatchOptions.evaluation(batchSize: batchSize, normalization: normalization, threads: context.threads)
        options.limit = limit
        options.prefetch = false
        let evaluation = context.evaluating
        for batch in BatchLoader(dataset: dataset, options: options).epoch(0) where batch.count > 0 {
            let logits = forward(batch.images, context: evaluation)
            guard logits.rank == 2, logits.shape[1] >= dataset.classCount else {
                throw LayerInputError(message: "\(layerDescription): the model returns \(logits.shape), "
                    + "which cannot score the \(dataset.classCount) classes of \(dataset.name)")
            }
            body(logits, batch.labels)
        }
    }
}
