/// Loads an image/label pair of IDX files (the MNIST layout) into an `ImageDataset`.
public enum IDXDataset {
    /// Reads `imagesPath` (rank 3: count, height, width) and `labelsPath` (rank 1: count) and
    /// checks that the counts agree and every label lies in `0..<classCount`.
    ///
    /// - Throws: `DatasetError` naming the file at fault (see `IDXFile.read`), plus
    ///   `.countMismatch` and `.labelOutOfRange`.
    public static func load(
        imagesPath: String, labelsPath: String, name: String, classCount: Int, classNames: [String]? = nil,
        missingHint: String
    ) throws -> ImageDataset {
        let images = try IDXFile.read(imagesPath, rank: 3, missingHint: missingHint)
        let labels = try IDXFile.read(labelsPath, rank: 1, missingHint: missingHint)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError(path: imagesPath, problem: .countMismatch(
                images: images.dimensions[0], labels: labels.dimensions[0], labelPath: labelsPath))
        }
        var labelValues = [Int](repeating: 0, count: labels.values.count)
        for (index, raw) in labels.values.enumerated() {
            let label = Int(raw)
            guard label < classCount else {
                throw DatasetError(path: labelsPath, problem: .labelOutOfRange(index: index, label: label, classCount: classCount))
            }
            labelValues[index] = label
        }
        return ImageDataset(
            name: name, images: images.values, labels: labelValues, channels: 1,
            height: images.dimensions[1], width: images.dimensions[2], classCount: classCount, classNames: classNames)
    }

    /// The file to use for `stem` (such as `train-images-idx3-ubyte`) in `directory`: the gzip
    /// file if present, else the plain one, else the dotted spelling some MNIST mirrors use.
    /// Returns the first candidate when none exists, so the error names the usual file.
    static func locate(_ stem: String, in directory: String) -> String {
        let dotted = stem.replacingFirst("-idx", with: ".idx")
        let candidates = [stem + ".gz", stem, dotted + ".gz", dotted].map { join(directory, $0) }
        return candidates.first(where: DataFile.exists) ?? candidates[0]
    }

    /// Loads the `split` half of an MNIST-layout directory (`train-images-idx3-ubyte[.gz]`,
    /// `train-labels-idx1-ubyte[.gz]`, `t10k-...` for the test split).
    static func loadMNISTLayout(
        directory: String, split: DatasetSplit, name: String, classNames: [String], missingHint: String
    ) throws -> ImageDataset {
        let prefix = split == .train ? "train" : "t10k"
        return try load(
            imagesPath: locate("\(prefix)-images-idx3-ubyte", in: directory),
            labelsPath: locate("\(prefix)-labels-idx1-ubyte", in: directory),
            name: "\(name)/\(split.rawValue)", classCount: classNames.count, classNames: classNames,
            missingHint: missingHint)
    }
}

/// Fashion-MNIST (Zalando, 2017): 28x28 grey-scale photographs of clothing in 10 classes, 60,000
/// for training and 10,000 for testing, in MNIST's IDX layout.
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` package installs the four gzip files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// The Debian package that provides the files.
    public static let aptPackage = "dataset-fashion-mnist"
    /// The ten class names, by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Loads one split from `directory` (gzip or plain IDX files).
    /// - Throws: `DatasetError`; a missing file's message says which package to install.
    public static func load(directory: String = defaultDirectory, split: DatasetSplit) throws -> ImageDataset {
        let hint = directory == defaultDirectory
            ? "Install Fashion-MNIST with `sudo apt-get install \(aptPackage)`, or pass the directory that holds it."
            : "Expected the Fashion-MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, gzip or plain) in \(directory); "
                + "`sudo apt-get install \(aptPackage)` installs them in \(defaultDirectory)."
        return try IDXDataset.loadMNISTLayout(
            directory: directory, split: split, name: "fashion-mnist", classNames: classNames, missingHint: hint)
    }
}

/// MNIST (LeCun et al.): 28x28 grey-scale hand-written digits, 60,000 training and 10,000 test
/// images, from a directory the user names.
public enum MNIST {
    /// The digit names, by label.
    public static let classNames = (0..<10).map { String($0) }

    /// Loads one split from `directory` (gzip or plain IDX files).
    public static func load(directory: String, split: DatasetSplit) throws -> ImageDataset {
        let hint = "Expected the MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, gzip or plain) in \(directory)."
        return try IDXDataset.loadMNISTLayout(
            directory: directory, split: split, name: "mnist", classNames: classNames, missingHint: hint)
    }
}

/// `directory/name`, without doubling a trailing slash.
func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
