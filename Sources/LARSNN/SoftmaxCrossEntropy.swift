/// The mean softmax cross-entropy of a batch of logits, and its gradient, in one pass.
///
/// For logits `z` of shape `[N, K]` and integer labels in `0..<K`, with label smoothing `e` the
/// target distribution is `q = (1 - e) * onehot(label) + e / K` and the loss is
/// `(1/N) * sum_n sum_k -q_k * log softmax(z_n)_k`. The log-softmax is computed as
/// `z - max(z) - log(sum(exp(z - max(z))))`, so large logits do not overflow.
///
/// - Returns: the loss (nats, mean over the batch) and `dL/dz = (softmax(z) - q) / N`, `[N, K]`
///   (`softmaxCrossEntropyForwardBackward` holds the arithmetic).
public func softmaxCrossEntropy(
    logits: Tensor, labels: [Int], labelSmoothing: Float = 0
) -> (loss: Float, gradient: Tensor) {
    userPrecondition(logits.rank == 2, "softmaxCrossEntropy: expected logits [N, K], got \(logits.shape)")
    let (n, k) = (logits.shape[0], logits.shape[1])
    userPrecondition(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows of logits")
    userPrecondition(k > 0, "softmaxCrossEntropy: logits have no classes, shape \(logits.shape)")
    userPrecondition(labelSmoothing >= 0 && labelSmoothing < 1, "softmaxCrossEntropy: labelSmoothing must be in [0, 1), got \(labelSmoothing)")
    for (row, label) in labels.enumerated() {
        userPrecondition(label >= 0 && label < k, "softmaxCrossEntropy: label \(label) of row \(row) outside 0..<\(k)")
    }
    var gradient = Tensor.uninitialized([n, k])
    guard n > 0 else { return (0, gradient) }
    let total = logits.withUnsafeBufferPointer { z in
        gradient.withUnsafeMutableBufferPointer { g in
            labels.withUnsafeBufferPointer { l in
                softmaxCrossEntropyForwardBackward(
                    gradient: g.baseAddress!, logits: z.baseAddress!, labels: l.baseAddress!, rows: n, classes: k,
                    labelSmoothing: labelSmoothing)
            }
        }
    }
    return (Float(total / Double(n)), gradient)
}
