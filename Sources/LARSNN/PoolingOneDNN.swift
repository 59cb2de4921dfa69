/// `MaxPool2D` and `AvgPool2D` on the oneDNN engine: the tensors' pointers handed to the free
/// functions in `LARSKernels/PoolingOneDNN.swift`, which hold the arithmetic.
enum PoolingOnOneDNN {
    /// The pooled `[N, C, H', W']` output of NCHW `input` through oneDNN (a training forward
    /// keeps max pooling's argmax in `cache`).
    static func forward(
        _ input: Tensor, kernel: Int, stride: Int, kind: PoolingKind, cache: OneDNNPrimitiveCache,
        context: ExecutionContext
    ) -> Tensor {
        let s = input.shape
        var output = Tensor.uninitialized([s[0], s[1], (s[2] - kernel) / stride + 1, (s[3] - kernel) / stride + 1])
        guard output.count > 0 else { return output }
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                oneDNNPoolingForward(
                    output: yb.baseAddress!, input: xb.baseAddress!, batch: s[0], channels: s[1], height: s[2],
                    width: s[3], kernel: kernel, stride: stride, kind: kind, training: context.isTraining, cache: cache,
                    threads: context.threads)
            }
        }
        return output
    }

    /// dL/dx `[N, C, H, W]` (shape `inputShape`) of the latest oneDNN training forward.
    static func backward(
        _ outputGradient: Tensor, inputShape s: [Int], kernel: Int, stride: Int, kind: PoolingKind,
        cache: OneDNNPrimitiveCache, context: ExecutionContext
    ) -> Tensor {
        var inputGradient = Tensor(zeros: s)
        guard outputGradient.count > 0 else { return inputGradient }
        outputGradient.withUnsafeBufferPointer { dyb in
            inputGradient.withUnsafeMutableBufferPointer { dxb in
                oneDNNPoolingBackward(
                    inputGradient: dxb.baseAddress!, outputGradient: dyb.baseAddress!, batch: s[0], channels: s[1],
                    height: s[2], width: s[3], kernel: kernel, stride: stride, kind: kind, cache: cache,
                    threads: context.threads)
            }
        }
        return inputGradient
    }
}
