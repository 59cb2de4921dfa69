/// The mean softmax cross-entropy of a batch of logits, and its gradient, in one pass.
///
/// For logits `z` of shape `[N, K]` and integer labels in `0..<K`, with label smoothing `e` the
/// target distribution is `q = (1 - e) * onehot(label) + e / K` and the loss is
/// `(1/N) * sum_n sum_k -q_k * log softmax(z_n)_k`. The log-softmax is computed as
/// `z - max(z) - log(sum(exp(z - max(z))))`, so large logits do not overflow.
///
/// - Returns: the loss (nats, mean over the batch) and `dL/dz = (softmax(z) - q) / N`, `[N, K]`.
public func softmaxCrossEntropy(
    logits: Tensor, labels: [Int], labelSmoothing: Float = 0
) -> (loss: Float, gradient: Tensor) {
    userPrecondition(logits.rank == 2, "softmaxCrossEntropy: expected logits [N, K], got \(logits.shape)")
    let (n, k) = (logits.shape[0], logits.shape[1])
    userPrecondition(labels.count == n, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows of logits")
    userPrecondition(k > 0, "softmaxCrossEntropy: logits have no classes, shape \(logits.shape)")
    userPrecondition(labelSmoothing >= 0 && labelSmoothing < 1, "softmaxCrossEntropy: labelSmoothing must be in [0, 1), got \(labelSmoothing)")
    var gradient = Tensor.uninitialized([n, k])
    guard n > 0 else { return (0, gradient) }
    let offTarget = Double(labelSmoothing) / Double(k)
    let onTarget = 1 - Double(labelSmoothing) + offTarget
    var total: Double = 0
    logits.withUnsafeBufferPointer { zb in
        gradient.withUnsafeMutableBufferPointer { gb in
            let (z, g) = (zb.baseAddress!, gb.baseAddress!)
            let inverseN = 1 / Double(n)
            for row in 0..<n {
                let label = labels[row]
                userPrecondition(label >= 0 && label < k, "softmaxCrossEntropy: label \(label) of row \(row) outside 0..<\(k)")
                let zr = z + row * k
                let gr = g + row * k
                var maxLogit = zr[0]
                for j in 1..<k where zr[j] > maxLogit { maxLogit = zr[j] }
                var sumExp: Double = 0
                for j in 0..<k { sumExp += Elementary.exp(Double(zr[j] - maxLogit)) }
                let logSumExp = Double(maxLogit) + Elementary.log(sumExp)
                // -sum_k q_k log p_k with sum_k q_k = 1: logSumExp - sum_k q_k z_k.
                var weightedLogits: Double = 0
                for j in 0..<k {
                    let q = j == label ? onTarget : offTarget
                    weightedLogits += q * Double(zr[j])
                    let p = Elementary.exp(Double(zr[j]) - logSumExp)
                    gr[j] = Float((p - q) * inverseN)
                }
                total += logSumExp - weightedLogits
            }
        }
    }
    return (Float(total / Double(n)), gradient)
}
