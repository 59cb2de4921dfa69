/// Builds the model a configuration names, for a data set's image shape.
public enum ModelFactory {
    /// The model named by `configuration.model` for images of `channels` x `imageSize` x
    /// `imageSize` and `classes` outputs, initialised from `generator`.
    public static func make(
        _ configuration: TrainingConfiguration, channels: Int, imageSize: Int, classes: Int,
        generator: inout SeededGenerator
    ) throws -> Sequential {
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
            throw TrainingError.invalidConfiguration("unknown model '\(configuration.model)'")
        }
    }

    /// The kernel backend a configuration names (for one replica's threads).
    public static func backend(_ configuration: TrainingConfiguration) -> any KernelBackend {
        switch configuration.backend {
        case "swift": return SwiftBackend(gemm: .tuned, threads: configuration.threadsPerReplica)
        case "swift-naive": return SwiftBackend(gemm: .naive)
        default: return OpenBLASBackend()
        }
    }
}
