/// The square window of a pooling layer (`MaxPool2D`, `AvgPool2D`): its side, its step, and the
/// `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]` shapes it gives (no padding).
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

    /// Output height and width for an `h x w` input.
    func outputSize(height h: Int, width w: Int) -> (height: Int, width: Int) {
        ((h - size) / stride + 1, (w - size) / stride + 1)
    }

    /// The output shape for an NCHW input shape.
    func outputShape(forInput s: [Int]) -> [Int] {
        let (oh, ow) = outputSize(height: s[2], width: s[3])
        return [s[0], s[1], oh, ow]
    }

    /// Stops unless `gradient` has the output shape of input shape `s`, naming `layer`.
    func requireOutputGradient(_ gradient: Tensor, input s: [Int], for layer: some Layer) {
        let expected = outputShape(forInput: s)
        userPrecondition(
            gradient.shape == expected,
            "\(layer.layerDescription): expected output gradient \(expected), got \(gradient.shape)")
    }
}
