/// The square window of a pooling layer (`MaxPool2D`, `AvgPool2D`): its side, its step, the
/// `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]` shapes it gives (no padding), and
/// the tensors' pointers handed to `context.poolingKernels`, which hold the arithmetic.
struct PoolingWindow {
    /// Window side `k`.
    let size: Int
    /// Window step `s`.
    let stride: Int

    /// A `size x size` window moved by `stride` (default: `size`, non-overlapping); `layer`
    /// names the layer type in the precondition messages.
    init(layer: String, size: Int, stride: Int?) {
        userPrecondition(size > 0, "\(layer): kernelSize must be positive, got \(size)")
        self.size = size
        self.stride = stride ?? size
        userPrecondition(self.stride > 0, "\(layer): stride must be positive, got \(self.stride)")
    }

    /// Why `shape` cannot be pooled by `layer`, or `nil`.
    func validate(_ shape: [Int], for layer: some Layer) -> String? {
        shape.count == 4 && shape[2] >= size && shape[3] >= size
            ? nil : layer.shapeMismatch(expected: "[N, C, H, W] with H, W >= \(size)", got: shape)
    }

    /// The output shape for an NCHW input shape.
    func outputShape(forInput s: [Int]) -> [Int] {
        [s[0], s[1], (s[2] - size) / stride + 1, (s[3] - size) / stride + 1]
    }

    /// Stops unless `gradient` has the output shape of input shape `s`, naming `layer`.
    func requireOutputGradient(_ gradient: Tensor, input s: [Int], for layer: some Layer) {
        let expected = outputShape(forInput: s)
        userPrecondition(
            gradient.shape == expected,
            "\(layer.layerDescription): expected output gradient \(expected), got \(gradient.shape)")
    }

    /// `input` (validated) pooled by `kind` on `context.poolingKernels`, stored as the kernels
    /// read it, and the record its backward follows.
    func forward(
        _ input: Tensor, kind: PoolingKind, context: ExecutionContext, state: PoolingState
    ) -> (Tensor, PoolingForwardRecord) {
        let kernels = context.poolingKernels
        let input = input.stored(as: kernels.inputLayout(for: input.layout, kind: kind))
        let s = input.shape
        var output = Tensor.uninitialized(outputShape(forInput: s), layout: input.layout)
        var record = PoolingForwardRecord(ranOnOneDNN: false, layout: input.layout)
        guard output.count > 0 else { return (output, record) }
        input.withUnsafeStorage { x in
            output.withUnsafeMutableStorage { y in
                record = kernels.forward(
                    output: y.baseAddress!, input: x.baseAddress!, batch: s[0], channels: s[1], height: s[2],
                    width: s[3], layout: input.layout, kernel: size, stride: stride, kind: kind,
                    training: context.isTraining, state: state)
            }
        }
        return (output, record)
    }

    /// dL/dx (shape `s`) of the training forward `forward` recorded, stored as its input was.
    func backward(
        _ outputGradient: Tensor, inputShape s: [Int], kind: PoolingKind, forward: PoolingForwardRecord,
        context: ExecutionContext, state: PoolingState
    ) -> Tensor {
        let outputGradient = outputGradient.stored(as: forward.layout)
        var inputGradient = Tensor.uninitialized(s, layout: forward.layout)
        guard inputGradient.count > 0 else { return inputGradient }
        outputGradient.withUnsafeStorage { dy in
            inputGradient.withUnsafeMutableStorage { dx in
                context.poolingKernels.backward(
                    inputGradient: dx.baseAddress!, outputGradient: dy.baseAddress!, batch: s[0], channels: s[1],
                    height: s[2], width: s[3], kernel: size, stride: stride, kind: kind, forward: forward, state: state)
            }
        }
        return inputGradient
    }
}
