/// Builds the model a configuration names, for a data set's image shape.
public enum ModelFactory {
    /// The built-in models' names.
    public static let names = ["small-cnn", "mlp", "resnet20", "resnet32", "resnet44", "resnet56"]

    /// The model named by `configuration.model` for images of `channels` x `imageSize` x
    /// `imageSize` and `classes` outputs, initialised from `generator`.
    public static func make(
        _ configuration: TrainingConfiguration, channels: Int, imageSize: Int, classes: Int,
        generator: inout SeededGenerator
    ) throws -> Sequential {
        // The models' own checks are preconditions (programmer errors); an image size comes
        // from a data file, so it is refused here with a message instead.
        guard configuration.model == "mlp" || imageSize >= minimumImageSize else {
            throw TrainingError.invalidConfiguration(
                "\(configuration.model) needs images of at least \(minimumImageSize)x\(minimumImageSize) pixels (two 2x downsamplings), the data set has \(imageSize)x\(imageSize)")
        }
        switch configuration.model {
        case "small-cnn":
            return Models.smallCNN(inputChannels: channels, classes: classes, imageSize: imageSize, generator: &generator)
        case "mlp":
            return Models.mlp(inputCount: channels * imageSize * imageSize, classes: classes, generator: &generator)
        case "resnet20", "resnet32", "resnet44", "resnet56":
            let depth = Int(configuration.model.dropFirst("resnet".count))!
            return Models.resNet(
                depth: depth, inputChannels: channels, imageSize: imageSize, classes: classes, generator: &generator)
        default:
            throw TrainingError.invalidConfiguration("unknown model '\(configuration.model)' (\(names.joined(separator: ", ")))")
        }
    }

    /// The smallest image side the built-in convolutional models accept: each halves the image
    /// twice (the MLP takes any size).
    public static let minimumImageSize = 4

    /// The kernel backend a configuration names (for one replica's threads).
    public static func backend(_ configuration: TrainingConfiguration) -> any KernelBackend {
        switch configuration.backend {
        case "swift": return SwiftBackend(gemm: .tuned, threads: configuration.threadsPerReplica)
        case "swift-naive": return SwiftBackend(gemm: .naive)
        default: return OpenBLASBackend()
        }
    }
}
