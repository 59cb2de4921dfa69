/// Which data a run names and which augmentation it trains with: chosen here, once, for the
/// `Trainer` and everything that reads its configuration.
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

    /// This configuration with the data's name and the augmentation made explicit: `dataset`
    /// from `data` when `nil`, and `randomCrop` and `horizontalFlip` as `augmentation(forDataset:)`
    /// chooses them. A `Trainer` keeps (and checkpoints record) the resolved values.
    /// - Parameter data: the training images; its `name` up to the first `/` names the data.
    public func resolvingData(_ data: ImageDataset) -> TrainingConfiguration {
        var resolved = self
        let name = dataset ?? DatasetName(rawValue: Self.dataName(of: data))
        let augmentation = augmentation(forDataset: name.rawValue)
        resolved.dataset = name
        resolved.randomCrop = augmentation.randomCrop
        resolved.horizontalFlip = augmentation.horizontalFlip
        return resolved
    }

    /// The name of the data a data set comes from: `"fashion-mnist"` for
    /// `"fashion-mnist/train[:1000]"`, the whole name when it has no `/`, `"data"` when empty.
    public static func dataName(of data: ImageDataset) -> String {
        let name = data.name.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return name.isEmpty ? "data" : name
    }
}
