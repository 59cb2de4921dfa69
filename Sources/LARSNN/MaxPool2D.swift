/// Max pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`. Backward routes
/// each output gradient to the input pixel that held the maximum (the first one on ties).
/// The arithmetic is `context.poolingKernels`': a channel-blocked input (from a oneDNN
/// convolution) is walked in Swift on either engine, faster than oneDNN 2.6's primitive even
/// blocked; a plain input runs oneDNN's max pooling when
/// `context.runsOneDNNNormalizationAndPooling` and the Swift loops otherwise. Windows, ties and
/// results are the same on every path.
public final class MaxPool2D: Layer {
    /// Window side.
    public var kernelSize: Int { window.size }
    /// Window step.
    public var stride: Int { window.stride }
    let window: PoolingWindow

    private var cachedInputShape: [Int] = []
    /// How the latest forward (training or evaluation) ran; backward, which needs a training
    /// forward's input, follows it.
    private var forwardRecord = PoolingForwardRecord.none
    /// The argmax of the Swift loops and the oneDNN primitives.
    private let kernelState = PoolingState()

    /// Creates the layer; `stride` defaults to `kernelSize` (non-overlapping windows). Input
    /// `[N, C, H, W]`, output `[N, C, (H - kernelSize) / stride + 1, (W - kernelSize) / stride + 1]`.
    /// - Parameters:
    ///   - kernelSize: side of the square window whose maximum is taken, in pixels.
    ///   - stride: step of the window in pixels; `nil` for `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil) {
        window = PoolingWindow(layer: "MaxPool2D", size: kernelSize, stride: stride)
    }

    public func validateInput(shape: [Int]) -> String? {
        window.validate(shape, for: self)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let (output, record) = window.forward(input, kind: .maximum, context: context, state: kernelState)
        forwardRecord = record
        cachedInputShape = context.isTraining ? input.shape : []
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        let s = cachedInputShape
        guard !s.isEmpty else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        window.requireOutputGradient(outputGradient, input: s, for: self)
        return window.backward(
            outputGradient, inputShape: s, kind: .maximum, forward: forwardRecord, context: context, state: kernelState)
    }
}
