/// Builds the model a configuration names, for a data set's image shape.
public enum ModelFactory {
    /// The model named by `configuration.model` for images of `channels` x `imageSize` x
    /// `imageSize` and `classes` outputs, initialised from `generator`.
    public static func make(
        _ configuration: TrainingConfiguration, channels: Int, imageSize: Int, classes: Int,
        generator: inout SeededGenerator
    ) throws -> Sequential {
        // The models' own checks are preconditions (programmer errors); an image size comes
        // from a data file, so it is refused here with a message instead.
        guard let kind = configuration.model.builtIn else {
            throw TrainingError.invalidConfiguration("unknown model '\(configuration.model)' (\(ModelKind.allowedValues))")
        }
        guard kind == .mlp || imageSize >= minimumImageSize else {
            throw TrainingError.invalidConfiguration(
                "\(configuration.model) needs images of at least \(minimumImageSize)x\(minimumImageSize) pixels (two 2x downsamplings), the data set has \(imageSize)x\(imageSize)")
        }
        switch kind {
        case .smallCNN:
            return Models.smallCNN(inputChannels: channels, classes: classes, imageSize: imageSize, generator: &generator)
        case .mlp:
            return Models.mlp(inputCount: channels * imageSize * imageSize, classes: classes, generator: &generator)
        case .resnet20, .resnet32, .resnet44, .resnet56:
            return Models.resNet(
                depth: kind.resNetDepth!, inputChannels: channels, imageSize: imageSize, classes: classes,
                zeroInitResidual: configuration.zeroInitsResidual, generator: &generator)
        }
    }

    /// The smallest image side the built-in convolutional models accept: each halves the image
    /// twice (the MLP takes any size).
    public static let minimumImageSize = 4

    /// The kernel backend `kind` names, for a replica of `threads` threads.
    public static func backend(_ kind: BackendKind, threads: Int) -> any KernelBackend {
        switch kind {
        case .swift: return SwiftBackend(gemm: .tuned, threads: threads)
        case .swiftNaive: return SwiftBackend(gemm: .naive)
        case .openblas: return OpenBLASBackend()
        }
    }
}
