/// `MaxPool2D` and `AvgPool2D` on the oneDNN engine: the tensors' pointers handed to the free
/// functions in `LARSKernels/PoolingOneDNN.swift`, which hold the arithmetic. Output and
/// gradients keep the input's layout (NCHW or channel-blocked).
enum PoolingOnOneDNN {
    /// The pooled `[N, C, H', W']` output of `input` through oneDNN, stored as `input` is (a
    /// training forward keeps max pooling's argmax in `cache`).
    static func forward(
        _ input: Tensor, kernel: Int, stride: Int, kind: PoolingKind, cache: OneDNNPrimitiveCache,
        context: ExecutionContext
    ) -> Tensor {
        let s = input.shape
        let layout = input.layout
        var output = Tensor.uninitialized(
            [s[0], s[1], (s[2] - kernel) / stride + 1, (s[3] - kernel) / stride + 1], layout: layout)
        guard output.count > 0 else { return output }
        input.withUnsafeStorage { xb in
            output.withUnsafeMutableStorage { yb in
                oneDNNPoolingForward(
                    output: yb.baseAddress!, input: xb.baseAddress!, batch: s[0], channels: s[1], height: s[2],
                    width: s[3], layout: layout, kernel: kernel, stride: stride, kind: kind, training: context.isTraining, cache: cache,
                    threads: context.threads)
            }
        }
        return output
    }

    /// dL/dx `[N, C, H, W]` (shape `inputShape`) of the latest oneDNN training forward, whose
    /// input and output were stored as `layout`, as `outputGradient` must be.
    static func backward(
        _ outputGradient: Tensor, inputShape s: [Int], layout: TensorLayout, kernel: Int, stride: Int,
        kind: PoolingKind, cache: OneDNNPrimitiveCache, context: ExecutionContext
    ) -> Tensor {
        // Zeros are the same in every layout.
        var inputGradient = Tensor(shape: s, layout: layout, storage: [Float](repeating: 0, count: s.reduce(1, *)))
        guard outputGradient.count > 0 else { return inputGradient }
        outputGradient.withUnsafeStorage { dyb in
            inputGradient.withUnsafeMutableStorage { dxb in
                oneDNNPoolingBackward(
                    inputGradient: dxb.baseAddress!, outputGradient: dyb.baseAddress!, batch: s[0], channels: s[1],
                    height: s[2], width: s[3], layout: layout, kernel: kernel, stride: stride, kind: kind, cache: cache,
                    threads: context.threads)
            }
        }
        return inputGradient
    }
}
