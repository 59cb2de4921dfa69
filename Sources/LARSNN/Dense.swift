/// A fully connected layer: `y = x W^T + b` for `x` of shape `[N, inputCount]`, `W` of shape
/// `[outputCount, inputCount]` (PyTorch's layout) and `y` of shape `[N, outputCount]`.
/// Forward and both backward products are single `gemm` calls.
public final class Dense: Layer {
    /// Features per input row.
    public let inputCount: Int
    /// Features per output row.
    public let outputCount: Int
    /// `[outputCount, inputCount]`, kind `.weight`.
    public let weight: Parameter
    /// `[outputCount]`, kind `.bias`, or `nil` when built without bias.
    public let bias: Parameter?

    private var cachedInput: Tensor?

    /// Creates the layer; the weight is drawn by `weightInitializer` (He normal by default,
    /// fan-in = `inputCount`) and the bias starts at zero. Input `[N, inputCount]` (put a
    /// `Flatten` in front of image-shaped input), output `[N, outputCount]`.
    /// - Parameters:
    ///   - inputCount: features per input row.
    ///   - outputCount: features per output row (the class count for a model's last layer).
    ///   - bias: whether the layer adds a learnt bias.
    ///   - weightInitializer: how the `[outputCount, inputCount]` weight is drawn.
    ///   - generator: the source of the initial weights (a seed fixes them).
    public init(
        inputCount: Int, outputCount: Int, bias: Bool = true,
        weightInitializer: WeightInitializer = .heNormal, generator: inout SeededGenerator
    ) {
        userPrecondition(inputCount > 0 && outputCount > 0, "Dense: sizes must be positive, got \(inputCount) -> \(outputCount)")
        self.inputCount = inputCount
        self.outputCount = outputCount
        self.weight = Parameter(
            weightInitializer.make(
                shape: [outputCount, inputCount], fanIn: inputCount, fanOut: outputCount, generator: &generator),
            kind: .weight)
        self.bias = bias ? Parameter(Tensor(zeros: [outputCount]), kind: .bias) : nil
    }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func validateInput(shape: [Int]) -> String? {
        shape.count == 2 && shape[1] == inputCount ? nil : shapeMismatch(expected: "[N, \(inputCount)]", got: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let n = input.shape[0]
        var output = Tensor.uninitialized([n, outputCount])
        let (inCount, outCount) = (inputCount, outputCount)
        input.withUnsafeBufferPointer { x in
            weight.withValues { w in
                output.withUnsafeMutableBufferPointer { y in
                    guard let yp = y.baseAddress, n > 0 else { return }
                    if let bias {
                        // Broadcast the bias into y, then let gemm add x W^T on top (beta = 1).
                        bias.withValues { b in
                            for row in 0..<n { (yp + row * outCount).update(from: b.baseAddress!, count: outCount) }
                        }
                    }
                    context.backend.gemm(
                        transA: false, transB: true, m: n, n: outCount, k: inCount,
                        a: x.baseAddress!, b: w.baseAddress!, beta: bias == nil ? 0 : 1, c: yp)
                }
            }
        }
        cachedInput = context.isTraining ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let input = cachedInput else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let n = input.shape[0]
        userPrecondition(
            outputGradient.shape == [n, outputCount],
            "\(layerDescription): expected output gradient [\(n), \(outputCount)], got \(outputGradient.shape)")
        let (inCount, outCount) = (inputCount, outputCount)
        var inputGradient = Tensor.uninitialized([n, inputCount])
        if n == 0 { return inputGradient }
        outputGradient.withUnsafeBufferPointer { dy in
            let dyp = dy.baseAddress!
            input.withUnsafeBufferPointer { x in
                weight.withGradients { dw in
                    // dW += dY^T X  ([out, N] x [N, in]).
                    context.backend.gemm(
                        transA: true, transB: false, m: outCount, n: inCount, k: n,
                        a: dyp, b: x.baseAddress!, beta: 1, c: dw.baseAddress!)
                }
            }
            if let bias {
                bias.withGradients { db in
                    let dbp = db.baseAddress!
                    for row in 0..<n {
                        let r = dyp + row * outCount
                        for j in 0..<outCount { dbp[j] += r[j] }
                    }
                }
            }
            weight.withValues { w in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    // dX = dY W  ([N, out] x [out, in]).
                    context.backend.gemm(
                        transA: false, transB: false, m: n, n: inCount, k: outCount,
                        a: dyp, b: w.baseAddress!, beta: 0, c: dx.baseAddress!)
                }
            }
        }
        return inputGradient
    }
}
