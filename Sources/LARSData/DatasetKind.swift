/// The data sets the loaders know, by the names a command line uses.
public enum DatasetKind: String, Sendable, CaseIterable {
    /// Fashion-MNIST, by default from Debian's `dataset-fashion-mnist`.
    case fashionMNIST = "fashion-mnist"
    /// MNIST digits (IDX files).
    case mnist
    /// CIFAR-10 binary version.
    case cifar10
    /// CIFAR-100 binary version, fine labels (100 classes).
    case cifar100
    /// CIFAR-100 binary version, coarse labels (20 classes).
    case cifar100Coarse = "cifar100-coarse"
    /// NumPy arrays in Keras' naming (`x_train`, `y_train`, `x_test`, `y_test`): four `.npy`
    /// files in a directory or one `.npz` archive (`NumPyDataset.load(_:split:)`).
    case npy
    /// PNG images in `train/<class>/` and `test/<class>/` folders (`ImageFolder.load(root:split:)`).
    case folder

    /// The directory used when the user names none, if the data set has a standard location.
    public var defaultDirectory: String? {
        self == .fashionMNIST ? FashionMNIST.defaultDirectory : nil
    }

    /// Loads the `split` half from `directory` (the default location when `nil`).
    /// - Throws: `DatasetError`; also when no directory is given for a data set without a default.
    public func load(directory: String? = nil, split: DatasetSplit) throws -> ImageDataset {
        guard let directory = directory ?? defaultDirectory else {
            throw DatasetError(path: "(no directory)", problem: .missingFile(
                hint: "The \(rawValue) data set has no standard location; name the directory that holds its files."))
        }
        switch self {
        case .fashionMNIST: return try FashionMNIST.load(directory: directory, split: split)
        case .mnist: return try MNIST.load(directory: directory, split: split)
        case .cifar10: return try CIFAR10.load(directory: directory, split: split)
        case .cifar100: return try CIFAR100.load(directory: directory, split: split, labels: .fine)
        case .cifar100Coarse: return try CIFAR100.load(directory: directory, split: split, labels: .coarse)
        case .npy: return try NumPyDataset.load(directory, split: split)
        case .folder: return try ImageFolder.load(root: directory, split: split)
        }
    }

    /// The random-crop padding and flip that suit this data set (see `Augmentation.standard`).
    public var standardAugmentation: Augmentation {
        switch self {
        case .fashionMNIST, .mnist: return Augmentation(randomCrop: true, padding: 2, horizontalFlip: self == .fashionMNIST)
        case .cifar10, .cifar100, .cifar100Coarse: return Augmentation(randomCrop: true, padding: 4, horizontalFlip: true)
        // A user's data: nothing assumed (a flip is wrong for digits and text).
        case .npy, .folder: return .none
        }
    }
}
