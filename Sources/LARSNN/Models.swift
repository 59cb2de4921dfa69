/// Ready-made models built from this module's layers, with stable parameter names.
public enum Models {
    /// A small CNN for `imageSize x imageSize` images (28 for MNIST-like data):
    /// `conv1` 3x3 32 pad 1 + `bn1` + ReLU, `pool1` max 2, `conv2` 3x3 64 pad 1 + `bn2` + ReLU,
    /// `pool2` max 2, `flatten`, `fc1` dense `64 * (imageSize/4)^2 -> 128` + ReLU, `fc2` dense
    /// `128 -> classes`. Input `[N, inputChannels, imageSize, imageSize]`, output `[N, classes]`.
    ///
    /// Convolutions are He-normal; the dense layers take PyTorch's default scale
    /// (`WeightInitializer.pytorchDefault`), so a fresh model's loss starts near ln(classes)
    /// rather than well above it.
    public static func smallCNN(
        inputChannels: Int = 1, classes: Int = 10, imageSize: Int = 28, generator: inout SeededGenerator
    ) -> Sequential {
        userPrecondition(imageSize >= 4, "smallCNN: imageSize must be at least 4, got \(imageSize)")
        let side = imageSize / 2 / 2
        let stem = Conv2D(
            inputChannels: inputChannels, outputChannels: 32, kernelSize: 3, padding: 1, bias: false,
            generator: &generator)
        stem.computesInputGradient = false
        let layers: [(String, any Layer)] = [
            ("conv1", stem),
            ("bn1", BatchNorm(featureCount: 32)),
            ("relu1", ReLU()),
            ("pool1", MaxPool2D(kernelSize: 2)),
            ("conv2", Conv2D(inputChannels: 32, outputChannels: 64, kernelSize: 3, padding: 1, bias: false, generator: &generator)),
            ("bn2", BatchNorm(featureCount: 64)),
            ("relu2", ReLU()),
            ("pool2", MaxPool2D(kernelSize: 2)),
            ("flatten", Flatten()),
            ("fc1", Dense(
                inputCount: 64 * side * side, outputCount: 128, weightInitializer: .pytorchDefault, generator: &generator)),
            ("relu3", ReLU()),
            ("fc2", Dense(inputCount: 128, outputCount: classes, weightInitializer: .pytorchDefault, generator: &generator)),
        ]
        let model = Sequential(layers)
        model.bindParameters()  // one flat store: one-call gradient sums and zeroing
        return model
    }

    /// A CIFAR ResNet of He et al. 2016, section 4.2: `depth = 6n + 2` (20, 32, 44, 56, ...).
    ///
    /// `stem` (3x3 conv 16, no bias) + `bn` + ReLU; `stage1`, `stage2`, `stage3` of `n` basic
    /// blocks (`block0`...) with 16, 32 and 64 channels; the first block of stages 2 and 3 has
    /// stride 2 and a projection shortcut (1x1 conv + BN), all others identity shortcuts; then
    /// `pool` (global average) and `fc` (dense 64 -> classes). Works for any input channel count
    /// and image size (28 or 32 in practice). ResNet-20 with 3 channels has 272,474 parameters.
    /// The classifier `fc` takes PyTorch's default scale, so the first loss is near ln(classes).
    /// With `zeroInitResidual` each block's last BatchNorm scale (`bn2.scale`) starts at 0, so
    /// every block begins as its shortcut (Goyal et al. 2017, section 5.1; torchvision's
    /// `zero_init_residual`).
    public static func resNet(
        depth: Int, inputChannels: Int = 3, imageSize: Int = 32, classes: Int = 10, zeroInitResidual: Bool = false,
        generator: inout SeededGenerator
    ) -> Sequential {
        userPrecondition(depth >= 8 && (depth - 2) % 6 == 0, "resNet: depth must be 6n + 2 (20, 32, 44, 56), got \(depth)")
        userPrecondition(imageSize >= 4, "resNet: imageSize must be at least 4, got \(imageSize)")
        let blocks = (depth - 2) / 6
        let stem = Conv2D(
            inputChannels: inputChannels, outputChannels: 16, kernelSize: 3, padding: 1, bias: false,
            generator: &generator)
        stem.computesInputGradient = false
        var layers: [(String, any Layer)] = [("stem", stem), ("bn", BatchNorm(featureCount: 16)), ("relu", ReLU())]
        var channels = 16
        for (stageIndex, width) in [16, 32, 64].enumerated() {
            var stage: [(String, any Layer)] = []
            for b in 0..<blocks {
                let stride = (b == 0 && stageIndex > 0) ? 2 : 1
                let block = ResidualBlock(inputChannels: channels, outputChannels: width, stride: stride, generator: &generator)
                if zeroInitResidual { block.bn2.scale.withValues { $0.update(repeating: 0) } }
                stage.append(("block\(b)", block))
                channels = width
            }
            layers.append(("stage\(stageIndex + 1)", Sequential(stage)))
        }
        layers.append(("pool", GlobalAvgPool2D()))
        layers.append(("fc", Dense(inputCount: 64, outputCount: classes, weightInitializer: .pytorchDefault, generator: &generator)))
        let model = Sequential(layers)
        model.bindParameters()  // one flat store: one-call gradient sums and zeroing
        return model
    }
}
