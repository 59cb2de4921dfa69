/// What the ranks of a data-parallel run exchange: the initial weights, BatchNorm running
/// statistics after each epoch, and every step's gradients.
extension Trainer {
    /// Copies rank 0's parameters and buffers to every rank, so all start from the same weights.
    func broadcastParameters() throws {
        guard group.size > 1 else { return }
        for p in parameters {
            try p.parameter.value.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
        }
        try broadcastBuffers()
    }

    /// Copies rank 0's buffers (BatchNorm running statistics) to every rank. With local batch
    /// statistics each rank's running averages drift apart; PyTorch DDP broadcasts them from
    /// rank 0, and so do we at the end of every epoch, so that evaluation uses one set of
    /// statistics and a checkpoint (rank 0's) resumes exactly what every rank had.
    func broadcastBuffers() throws {
        guard group.size > 1 else { return }
        for b in model.namedBuffers {
            try b.buffer.value.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
        }
    }

    /// Sums every parameter's gradient over the ranks with one all-reduce on one flat buffer.
    func allReduceGradients() throws {
        guard group.size > 1 else { return }
        let total = parameters.reduce(0) { $0 + $1.parameter.grad.count }
        if flatGradients.count != total { flatGradients = [Float](repeating: 0, count: total) }
        var offset = 0
        flatGradients.withUnsafeMutableBufferPointer { f in
            for p in parameters {
                p.parameter.grad.withUnsafeBufferPointer { g in
                    (f.baseAddress! + offset).update(from: g.baseAddress!, count: g.count)
                    offset += g.count
                }
            }
        }
        try flatGradients.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        offset = 0
        flatGradients.withUnsafeBufferPointer { f in
            for p in parameters {
                p.parameter.grad.withUnsafeMutableBufferPointer { g in
                    g.baseAddress!.update(from: f.baseAddress! + offset, count: g.count)
                    offset += g.count
                }
            }
        }
    }
}
