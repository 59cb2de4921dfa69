/// What the ranks of a data-parallel run exchange: the initial weights, BatchNorm running
/// statistics after each epoch, and every step's gradients.
extension Trainer {
    /// Copies rank 0's parameters and buffers to every rank, so all start from the same weights:
    /// one broadcast of the value buffer, then one per BatchNorm buffer.
    func broadcastParameters() throws {
        guard group.size > 1 else { return }
        try group.broadcast(parameterStore.valueBuffer, root: 0)
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

    /// Sums every parameter's gradient over the ranks: one all-reduce on the gradient buffer, in
    /// place (every rank binds the same model, so the layouts agree; the zero padding sums to 0).
    func allReduceGradients() throws {
        guard group.size > 1 else { return }
        try group.allReduceSum(parameterStore.gradientBuffer)
    }
}

extension Trainer {
    /// `values` summed element-wise over the ranks (one all-reduce; `values` itself on one
    /// process).
    func sumOverProcesses(_ values: [Double]) throws -> [Double] {
        var sums = values
        try sums.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        return sums
    }
}
