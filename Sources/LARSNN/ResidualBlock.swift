/// The basic residual block of He et al. 2016: `relu(bn2(conv2(relu(bn1(conv1(x))))) + s(x))`
/// with 3x3 convolutions (no bias, He-normal weights) and a shortcut `s` that is the identity
/// when the shape is kept, or a projection (1x1 convolution with the block's stride + BatchNorm,
/// children `shortcut.conv` and `shortcut.bn`) when the width or the stride changes.
///
/// Input `[N, inputChannels, H, W]`, output `[N, outputChannels, H', W']` with
/// `H' = (H - 1) / stride + 1`. Children: `conv1`, `bn1`, `relu1`, `conv2`, `bn2`, optional `shortcut`, `relu2`.
/// The residual branch runs through `LayerChain`, so where BatchNorm runs on oneDNN `bn1` and
/// the ReLU after it run as one fused primitive.
public final class ResidualBlock: Layer {
    /// First 3x3 convolution (carries the stride).
    public let conv1: Conv2D
    /// BatchNorm after `conv1`.
    public let bn1: BatchNorm
    /// Second 3x3 convolution.
    public let conv2: Conv2D
    /// BatchNorm after `conv2`.
    public let bn2: BatchNorm
    /// The projection shortcut, or `nil` for the identity.
    public let shortcut: Sequential?

    private let innerReLU = ReLU()
    private let outputReLU = ReLU()
    /// The residual branch, in forward order.
    private var branch: [any Layer] { [conv1, bn1, innerReLU, conv2, bn2] }

    /// Creates a block; a projection shortcut is used exactly when
    /// `inputChannels != outputChannels || stride != 1`.
    public init(inputChannels: Int, outputChannels: Int, stride: Int = 1, generator: inout SeededGenerator) {
        conv1 = Conv2D(
            inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, stride: stride, padding: 1,
            bias: false, generator: &generator)
        bn1 = BatchNorm(featureCount: outputChannels)
        conv2 = Conv2D(
            inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, stride: 1, padding: 1,
            bias: false, generator: &generator)
        bn2 = BatchNorm(featureCount: outputChannels)
        if inputChannels != outputChannels || stride != 1 {
            shortcut = Sequential([
                ("conv", Conv2D(
                    inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1, stride: stride,
                    padding: 0, bias: false, generator: &generator)),
                ("bn", BatchNorm(featureCount: outputChannels)),
            ])
        } else {
            shortcut = nil
        }
        nameDescendants()
    }

    /// `conv1`, `bn1`, `relu1`, `conv2`, `bn2`, the optional `shortcut` and `relu2`, in forward
    /// order (their parameters and buffers, in this order, are the block's).
    public var sublayers: [(name: String, layer: any Layer)] {
        [("conv1", conv1), ("bn1", bn1), ("relu1", innerReLU), ("conv2", conv2), ("bn2", bn2)]
            + (shortcut.map { [("shortcut", $0)] } ?? []) + [("relu2", outputReLU)]
    }

    public func validateInput(shape: [Int]) -> String? {
        conv1.validateInput(shape: shape)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        var sum = LayerChain.forward(branch, input, context: context)
        let skip = shortcut?.forward(input, context: context) ?? input
        userPrecondition(
            skip.shape == sum.shape,
            "\(layerDescription): shortcut shape \(skip.shape) differs from residual shape \(sum.shape)")
        Self.add(skip, into: &sum, backend: context.backend)
        return outputReLU.forward(sum, context: context)
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        let g = outputReLU.backward(outputGradient, context: context)
        var inputGradient = LayerChain.backward(branch, g, context: context)
        let skip = shortcut?.backward(g, context: context) ?? g
        Self.add(skip, into: &inputGradient, backend: context.backend)
        return inputGradient
    }

    /// `target += value` through the backend's `axpy`, in `target`'s layout.
    private static func add(_ value: Tensor, into target: inout Tensor, backend: any KernelBackend) {
        let count = value.count
        guard count > 0 else { return }
        let value = value.stored(as: target.layout)
        value.withUnsafeStorage { v in
            target.withUnsafeMutableStorage { t in
                backend.axpy(n: count, alpha: 1, x: v.baseAddress!, y: t.baseAddress!)
            }
        }
    }
}
