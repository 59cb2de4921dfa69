/// How many rows of `logits` (`[N, K]`) have their largest entry at the row's label (the first
/// largest on ties).
public func correctCount(logits: Tensor, labels: [Int]) -> Int {
    userPrecondition(logits.rank == 2, "correctCount: expected logits [N, K], got \(logits.shape)")
    let (n, k) = (logits.shape[0], logits.shape[1])
    userPrecondition(labels.count == n, "correctCount: \(labels.count) labels for \(n) rows of logits")
    guard n > 0, k > 0 else { return 0 }
    return logits.withUnsafeBufferPointer { zb in
        var correct = 0
        for row in 0..<n {
            let zr = zb.baseAddress! + row * k
            var best = 0
            for j in 1..<k where zr[j] > zr[best] { best = j }
            if best == labels[row] { correct += 1 }
        }
        return correct
    }
}

/// The fraction (0...1) of rows of `logits` (`[N, K]`) whose arg-max equals the label; 0 for an
/// empty batch.
public func top1Accuracy(logits: Tensor, labels: [Int]) -> Float {
    let n = logits.rank == 2 ? logits.shape[0] : 0
    return n == 0 ? 0 : Float(correctCount(logits: logits, labels: labels)) / Float(n)
}
