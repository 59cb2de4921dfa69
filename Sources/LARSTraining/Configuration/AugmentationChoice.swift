/// Which data a run names and which augmentation it trains with: chosen here, once, and
/// recorded in the run's `TrainingPlan` (`dataName`, `augmentation`), not in the configuration,
/// which keeps what was asked for.
///
/// Augmentation is chosen per data kind, explicitly: a field left `nil` takes the kind's
/// standard (`DatasetKind.standardAugmentation`), and data the library does not know (a
/// caller's arrays, `npy`, a `folder` of PNG files) gets none. A random crop or a mirror
/// changes what an image shows, and on a task where position or handedness decides the class it
/// destroys the labels, so it is never switched on for data whose meaning the library cannot know.
///
/// | data kind                          | random crop (padding) | horizontal flip |
/// |------------------------------------|-----------------------|-----------------|
/// | `cifar10`, `cifar100`, `cifar100-coarse` | on (4)          | on              |
/// | `fashion-mnist`                    | on (2)                | on              |
/// | `mnist`                            | on (2)                | off (digits)    |
/// | `npy`, `folder`, any other name    | off                   | off             |
///
/// `lars-train` sets every field from its flags (its 28x28 recipe turns the crop off).
extension TrainingConfiguration {
    /// The augmentation a run on the data kind `dataset` trains with: `randomCrop`,
    /// `cropPadding` and `horizontalFlip` where set, the kind's standard where `nil`.
    /// - Parameter dataset: a `DatasetKind` raw value, or any other name for a caller's data.
    /// - Returns: the batch loader's augmentation; a crop with padding 0 counts as no crop.
    public func augmentation(forDataset dataset: String) -> Augmentation {
        let standard = DatasetKind(rawValue: dataset)?.standardAugmentation ?? .none
        let padding = cropPadding ?? standard.padding
        let crop = (randomCrop ?? standard.randomCrop) && padding > 0
        return Augmentation(randomCrop: crop, padding: padding, horizontalFlip: horizontalFlip ?? standard.horizontalFlip)
    }

    /// The name of the data a data set comes from: `"fashion-mnist"` for
    /// `"fashion-mnist/train[:1000]"`, the whole name when it has no `/`, `"data"` when empty.
    public static func dataName(of data: ImageDataset) -> String {
        let name = data.name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return name.isEmpty ? "data" : name
    }
}

extension TrainingPlan {
    /// This plan with the data resolved: `dataName` is `configuration.dataset`, or named after
    /// `data` (`TrainingConfiguration.dataName(of:)`) when that is `nil`, and `augmentation`
    /// is what `configuration.augmentation(forDataset:)` chooses for that name.
    /// - Parameters:
    ///   - data: the training images (before the validation split is held out).
    ///   - configuration: the run's configuration.
    public func resolvingData(_ data: ImageDataset, for configuration: TrainingConfiguration) -> TrainingPlan {
        var resolved = self
        let name = configuration.dataset ?? DatasetName(rawValue: TrainingConfiguration.dataName(of: data))
        resolved.dataName = name
        resolved.augmentation = configuration.augmentation(forDataset: name.rawValue)
        return resolved
    }
}
