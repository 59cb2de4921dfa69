/// The softmax cross-entropy of `rows` rows of `classes` logits and its gradient, in Double
/// per row: with label smoothing `e` the target is `q = (1 - e) * onehot(label) + e / classes`;
/// the log-softmax is `z - max(z) - log(sum(exp(z - max(z))))`, so large logits do not overflow.
///
/// - `z`: logits `[rows, classes]`; `labels`: `[rows]`, each in `0..<classes`.
/// - `g`: written, `[rows, classes]`, `(softmax(z) - q) / rows`.
/// - Returns the summed loss over the rows, in nats.
public func softmaxCrossEntropyForwardBackward(
    gradient g: UnsafeMutablePointer<Float>, logits z: UnsafePointer<Float>, labels: UnsafePointer<Int>, rows n: Int,
    classes k: Int, labelSmoothing: Float
) -> Double {
    let offTarget = Double(labelSmoothing) / Double(k)
    let onTarget = 1 - Double(labelSmoothing) + offTarget
    let inverseN = 1 / Double(n)
    var total: Double = 0
    for row in 0..<n {
        let label = labels[row]
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
    return total
}
