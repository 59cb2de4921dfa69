/// Average pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`, each window's mean.
/// The arithmetic is `context.poolingKernels`': with `context.runsOneDNNNormalizationAndPooling`
/// oneDNN's average pooling on the input as stored (NCHW or channel-blocked), the Swift loops
/// on NCHW otherwise, equal up to rounding.
public final class AvgPool2D: Layer {
    /// Window side.
    public var kernelSize: Int { window.size }
    /// Window step.
    public var stride: Int { window.stride }
    private let window: PoolingWindow
    private var cachedInputShape: [Int] = []
    /// How the latest forward (training or evaluation) ran; backward, which needs a training
    /// forward's input, follows it.
    private var forwardRecord = PoolingForwardRecord.none
    /// The oneDNN primitives.
    private let kernelState = PoolingState()

    /// Creates the layer; `stride` defaults to `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil) {
        window = PoolingWindow(layer: "AvgPool2D", size: kernelSize, stride: stride)
    }

    public func validateInput(shape: [Int]) -> String? {
        window.validate(shape, for: self)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let (output, record) = window.forward(input, kind: .average, context: context, state: kernelState)
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
            outputGradient, inputShape: s, kind: .average, forward: forwardRecord, context: context, state: kernelState)
    }
}
