/// A trained model ready for inference, loaded in one call from a training checkpoint
/// (`checkpoint.safetensors`), `best.safetensors`, or a file written by `Layer.save(to:)`: the
/// model with its weights and BatchNorm statistics, and, from a checkpoint, the configuration
/// and the input normalisation it was trained with.
///
/// ```swift
/// let trained = try TrainedModel.load(from: "runs/latest/best.safetensors")   // a built-in model
/// let prediction = try trained.predict(on: images, top: 3)
/// try trained.model.exportPyTorchStateDict(to: "model.safetensors")
/// ```
///
/// A model of your own: build it as for training, then `TrainedModel.load(from:into:)`.
public struct TrainedModel {
    /// The model, its weights loaded. Run it with `predict(on:)` (which normalises as in
    /// training), or `model.predict(_:)` on images already normalised.
    public let model: any Layer
    /// The run's configuration, from a checkpoint's metadata; `nil` for a `save(to:)` file.
    public let configuration: TrainingConfiguration?
    /// The per-channel normalisation of the training images, which inputs must get as well;
    /// `nil` for a file that does not record one.
    public let normalization: Normalization?
    /// The epochs trained when the file was written; `nil` for a `save(to:)` file.
    public let epoch: Int?
    /// The file's metadata entries.
    public let metadata: [String: String]

    /// Builds the built-in model a checkpoint names (`configuration.model`, for the image shape
    /// and class count it recorded) and loads its weights, ignoring the optimizer's state.
    /// - Parameter path: a `checkpoint.safetensors` or `best.safetensors` of a run of a
    ///   built-in model (`ModelKind`).
    /// - Throws: `SafeTensorsError` for an unreadable file; `TrainingError` when it is not a
    ///   checkpoint of a built-in model (for your own model use `load(from:into:)`);
    ///   `ModelStateError` when a tensor is missing, extra, of another shape or unsound.
    public static func load(from path: String) throws -> TrainedModel {
        let file = try SafeTensors.read(path)
        let saved = try CheckpointMetadata.parse(file.metadata, path: path)
        guard saved.configuration.model.builtIn != nil else {
            throw TrainingError.invalidFile(
                path: path,
                problem: "it holds the model '\(saved.configuration.model)', not a built-in one (\(ModelKind.allowedValues)); build it and call TrainedModel.load(from:into:)")
        }
        let shape = file.metadata["input_shape"]?.split(separator: "x").compactMap { Int($0) } ?? []
        guard shape.count == 3, shape[1] == shape[2], let classes = file.metadata["classes"].flatMap({ Int($0) }) else {
            throw TrainingError.invalidFile(
                path: path,
                problem: "it does not record its image shape and class count (written by an older version); build the model with ModelFactory.make and call TrainedModel.load(from:into:)")
        }
        var generator = SeededGenerator(seed: 0)  // every value is then overwritten from the file
        let model = try ModelFactory.make(
            saved.configuration, channels: shape[0], imageSize: shape[1], classes: classes, generator: &generator)
        return try TrainedModel(file: file, path: path, model: model)
    }

    /// Loads the weights (parameters and BatchNorm statistics) of a checkpoint,
    /// `best.safetensors` or `save(to:)` file into `model`, ignoring a checkpoint's optimizer
    /// state. All names and shapes are checked before any value changes.
    /// - Parameters:
    ///   - path: the file.
    ///   - model: a model of the same structure as the one trained (same child names and sizes),
    ///     for example made by the closure given to `Trainer(configuration:model:...)`.
    /// - Throws: `SafeTensorsError` for an unreadable file; `ModelStateError` naming the tensors
    ///   that are missing, extra, of another shape or unsound (the model is then unchanged).
    public static func load(from path: String, into model: any Layer) throws -> TrainedModel {
        try TrainedModel(file: try SafeTensors.read(path), path: path, model: model)
    }

    private init(file: SafeTensorsFile, path: String, model: any Layer) throws {
        let isCheckpoint = file.metadata["format"] == Trainer.checkpointFormat
        let saved = isCheckpoint ? try CheckpointMetadata.parse(file.metadata, path: path) : nil
        metadata = try model.load(file, path: path, ignoringPrefix: isCheckpoint ? "optimizer/" : nil)
        self.model = model
        configuration = saved?.configuration
        epoch = saved?.epoch
        normalization = file.metadata["normalization"].flatMap(Normalization.init(metadataString:))
    }

    /// Class probabilities and the `top` most likely classes of the images of `dataset`,
    /// normalised as the training images were (`normalization`).
    /// - Throws: `LayerInputError` when the images do not fit the model.
    public func predict(on dataset: ImageDataset, top k: Int = 1, batchSize: Int = 256) throws -> Prediction {
        try model.predict(on: dataset, normalization: normalization, top: k, batchSize: batchSize)
    }
}

extension Layer {
    /// Loads this model's weights from a training checkpoint, `best.safetensors` or a
    /// `save(to:)` file, ignoring a checkpoint's optimizer state: `TrainedModel.load(from:into:)`.
    /// - Returns: the file's metadata.
    @discardableResult
    public func loadWeights(fromCheckpoint path: String) throws -> [String: String] {
        try TrainedModel.load(from: path, into: self).metadata
    }
}
