import SwiftLARS

extension ModelSpec {
    /// The convolutions and dense layers of `model` as they run on images of shape `input`
    /// (C, H, W): one training-mode forward pass of one blank image records each `Conv2D`'s
    /// input shape, then the layer tree (`Layer.namedLayers`) is walked in order. Convolutions of
    /// the same geometry are counted together under the first one's label.
    init(name: String, batch: Int, model: any Layer, input: [Int]) {
        var context = ExecutionContext(threads: 1)
        context.isTraining = true
        _ = model.forward(Tensor(zeros: [1] + input), context: context)
        var convolutions: [ConvSpec] = []
        var dense: [DenseSpec] = []
        for (path, layer) in model.namedLayers {
            if let conv = layer as? Conv2D, let shape = conv.cachedInputShape {
                let group = Self.group(of: path)
                let spec = ConvSpec(
                    label: "\(name) \(group) \(conv.kernelSize)x\(conv.kernelSize) \(conv.inputChannels)->\(conv.outputChannels) \(shape[2])x\(shape[3])"
                        + (conv.stride > 1 ? " s\(conv.stride)" : ""),
                    inChannels: conv.inputChannels, outChannels: conv.outputChannels, size: shape[2], kernel: conv.kernelSize,
                    stride: conv.stride, padding: conv.padding, count: 1, computesInputGradient: conv.computesInputGradient)
                if let same = convolutions.firstIndex(where: { $0.sameGeometry(as: spec) }) {
                    convolutions[same].count += 1
                } else {
                    convolutions.append(spec)
                }
            } else if let layer = layer as? Dense {
                dense.append(DenseSpec(label: "\(name) dense \(layer.inputCount)->\(layer.outputCount)", inputs: layer.inputCount, outputs: layer.outputCount))
            }
        }
        self.init(name: name, batch: batch, convolutions: convolutions, dense: dense)
    }

    /// `stage2 shortcut` for `stage2.block0.shortcut.conv`, `conv1` for `conv1`: the stage or
    /// layer a convolution belongs to, for labels.
    static func group(of path: String) -> String {
        let parts = path.split(separator: ".")
        let first = parts.first.map(String.init) ?? path
        return path.contains("shortcut") ? first + " shortcut" : first
    }
}

extension ConvSpec {
    /// Whether `other` has the same sizes (labels and counts aside).
    func sameGeometry(as other: ConvSpec) -> Bool {
        [inChannels, outChannels, size, kernel, stride, padding]
            == [other.inChannels, other.outChannels, other.size, other.kernel, other.stride, other.padding]
            && computesInputGradient == other.computesInputGradient
    }
}
