/// How the axes of a rank-4 image array are ordered.
public enum NumPyImageLayout: Sendable {
    /// Decide from the shape: `[N, C, H, W]` when axis 1 holds 1, 3 or 4 and axis 3 does not,
    /// `[N, H, W, C]` in the opposite case; an ambiguous shape is refused.
    case automatic
    /// `[N, C, H, W]` (PyTorch).
    case channelsFirst
    /// `[N, H, W, C]` (Keras, TensorFlow, images decoded by PIL); transposed on load.
    case channelsLast
}

/// Image data sets from NumPy arrays: an image array (`uint8` or `float32`) and a label array
/// (any integer type) with one label per image.
///
/// Image shapes: `[N, H, W]` (grey-scale), `[N, C, H, W]` or `[N, H, W, C]` (see
/// `NumPyImageLayout`), or `[N, F]` (feature vectors: `F` channels of 1x1 "images", each feature
/// normalised on its own). Labels: `[N]` or `[N, 1]`. `uint8` arrays give a byte data set,
/// `float32` arrays a `Float` one (`ImageDataset.floatImages`), never rounded through bytes.
public enum NumPyDataset {
    /// Builds a data set from two arrays already read; `imagesPath` and `labelsPath` name them
    /// in errors. `classCount` defaults to the largest label plus one.
    /// - Throws: `DatasetError`: an unsupported rank or dtype, an ambiguous layout, differing
    ///   counts, a label out of range, a non-finite value, no images.
    public static func make(
        images: NumPyArray, labels: NumPyArray, imagesPath: String, labelsPath: String, name: String,
        classCount: Int? = nil, classNames: [String]? = nil, layout: NumPyImageLayout = .automatic
    ) throws -> ImageDataset {
        let (count, channels, height, width, channelsLast) = try geometry(images.shape, path: imagesPath, layout: layout)
        guard count > 0 else { throw DatasetError(path: imagesPath, problem: .empty) }
        let labelValues = try labelArray(labels, path: labelsPath)
        guard labelValues.count == count else {
            throw DatasetError(path: imagesPath, problem: .countMismatch(images: count, labels: labelValues.count, labelPath: labelsPath))
        }
        let classes = classCount ?? (labelValues.max() ?? 0) + 1
        if let bad = labelValues.firstIndex(where: { $0 < 0 || $0 >= classes }) {
            throw DatasetError(path: labelsPath, problem: .labelOutOfRange(index: bad, label: labelValues[bad], classCount: classes))
        }
        if let names = classNames, names.count != classes {
            throw DatasetError(path: labelsPath, problem: .badHeader(reason: "\(names.count) class names for \(classes) classes"))
        }
        switch images.dtype {
        case .uint8:
            var pixels = images.uint8Values()!
            if channelsLast { pixels = toChannelsFirst(pixels, count: count, channels: channels, plane: height * width) }
            return ImageDataset(
                name: name, images: pixels, labels: labelValues, channels: channels, height: height, width: width,
                classCount: classes, classNames: classNames)
        case .float32:
            var values = images.floatValues()!
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw DatasetError(path: imagesPath, problem: .nonFiniteValue(index: bad))
            }
            if channelsLast { values = toChannelsFirst(values, count: count, channels: channels, plane: height * width) }
            return ImageDataset(
                name: name, floatImages: values, labels: labelValues, channels: channels, height: height, width: width,
                classCount: classes, classNames: classNames)
        default:
            throw DatasetError(path: imagesPath, problem: .badHeader(
                reason: "images are \(images.dtype), expected uint8 or float32"))
        }
    }

    /// Reads an image `.npy` file and a label `.npy` file (see `make`).
    public static func load(
        imagesPath: String, labelsPath: String, name: String, classCount: Int? = nil, classNames: [String]? = nil,
        layout: NumPyImageLayout = .automatic
    ) throws -> ImageDataset {
        try make(
            images: NumPyArray(contentsOf: imagesPath), labels: NumPyArray(contentsOf: labelsPath), imagesPath: imagesPath,
            labelsPath: labelsPath, name: name, classCount: classCount, classNames: classNames, layout: layout)
    }

    /// Loads the `split` half of NumPy data in Keras' naming: `x_train`, `y_train`, `x_test`,
    /// `y_test`, either as four `.npy` files in the directory `location` or as the arrays of the
    /// `.npz` archive `location` (Keras' `mnist.npz` is one). The class count is the largest
    /// label of both splits plus one, so both halves agree on it.
    public static func load(_ location: String, split: DatasetSplit) throws -> ImageDataset {
        let suffix = split.rawValue
        let other = split == .train ? "test" : "train"
        let name = "npy/\(suffix)"
        if location.hasSuffix(".npz") && DataFile.exists(location) {
            let archive = try NumPyArchive(contentsOf: location)
            let labels = try archive.array("y_\(suffix)")
            let classes = try classCount(labels, path: "\(location)[y_\(suffix).npy]",
                                         other: archive.contains("y_\(other)") ? (try archive.array("y_\(other)"), "\(location)[y_\(other).npy]") : nil)
            return try make(
                images: archive.array("x_\(suffix)"), labels: labels, imagesPath: "\(location)[x_\(suffix).npy]",
                labelsPath: "\(location)[y_\(suffix).npy]", name: name, classCount: classes)
        }
        let imagesPath = join(location, "x_\(suffix).npy"), labelsPath = join(location, "y_\(suffix).npy")
        let otherPath = join(location, "y_\(other).npy")
        let hint = "Expected x_train.npy, y_train.npy, x_test.npy and y_test.npy in \(location), or an .npz archive of those arrays."
        guard DataFile.exists(imagesPath) else { throw DatasetError(path: imagesPath, problem: .missingFile(hint: hint)) }
        guard DataFile.exists(labelsPath) else { throw DatasetError(path: labelsPath, problem: .missingFile(hint: hint)) }
        let labels = try NumPyArray(contentsOf: labelsPath)
        let classes = try classCount(labels, path: labelsPath,
                                     other: DataFile.exists(otherPath) ? (try NumPyArray(contentsOf: otherPath), otherPath) : nil)
        return try make(
            images: NumPyArray(contentsOf: imagesPath), labels: labels, imagesPath: imagesPath, labelsPath: labelsPath,
            name: name, classCount: classes)
    }

    /// The largest label of `labels` and `other` plus one (at least 1).
    private static func classCount(_ labels: NumPyArray, path: String, other: (NumPyArray, String)?) throws -> Int {
        var largest = try labelArray(labels, path: path).max() ?? 0
        if let (array, otherPath) = other { largest = max(largest, try labelArray(array, path: otherPath).max() ?? 0) }
        return largest + 1
    }

    /// The labels of a `[N]` or `[N, 1]` integer array.
    static func labelArray(_ labels: NumPyArray, path: String) throws -> [Int] {
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw DatasetError(path: path, problem: .badHeader(reason: "labels have shape \(labels.shape), expected [N] or [N, 1]"))
        }
        guard labels.dtype.isInteger else {
            throw DatasetError(path: path, problem: .badHeader(reason: "labels are \(labels.dtype), expected an integer type"))
        }
        guard let values = labels.integerValues() else {
            throw DatasetError(path: path, problem: .badHeader(reason: "a uint64 label exceeds \(Int.max)"))
        }
        return values
    }

    /// `(count, channels, height, width, channelsLast)` of an image array's shape.
    static func geometry(_ shape: [Int], path: String, layout: NumPyImageLayout) throws -> (Int, Int, Int, Int, Bool) {
        func refuse(_ reason: String) -> DatasetError { DatasetError(path: path, problem: .badHeader(reason: reason)) }
        let dims: (Int, Int, Int, Int, Bool)
        switch shape.count {
        case 2: dims = (shape[0], shape[1], 1, 1, false)
        case 3: dims = (shape[0], 1, shape[1], shape[2], false)
        case 4:
            let small: ClosedRange<Int> = 1...4
            var last: Bool
            switch layout {
            case .channelsFirst: last = false
            case .channelsLast: last = true
            case .automatic:
                switch (small.contains(shape[1]), small.contains(shape[3])) {
                case (true, false): last = false
                case (false, true): last = true
                default: throw refuse("cannot tell channels from width in shape \(shape); pass layout .channelsFirst or .channelsLast")
                }
            }
            dims = last ? (shape[0], shape[3], shape[1], shape[2], true) : (shape[0], shape[1], shape[2], shape[3], false)
        default:
            throw refuse("images have shape \(shape); expected [N, H, W], [N, C, H, W], [N, H, W, C] or [N, F]")
        }
        guard dims.1 > 0, dims.2 > 0, dims.3 > 0 else { throw refuse("images of shape \(shape) are empty") }
        return dims
    }

    /// `[N, H, W, C]` values reordered to `[N, C, H, W]`.
    static func toChannelsFirst<T>(_ values: [T], count: Int, channels: Int, plane: Int) -> [T] {
        guard channels > 1 else { return values }
        var out = values
        for image in 0..<count {
            let base = image * channels * plane
            for p in 0..<plane {
                for c in 0..<channels { out[base + c * plane + p] = values[base + p * channels + c] }
            }
        }
        return out
    }
}
