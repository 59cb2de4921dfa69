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
        let labelValues = try labelArray(labels, path: labelsPath)
        let (count, channels, height, width, channelsLast) = try checkImages(
            images.shape, images.dtype, labelCount: labelValues.count, imagesPath: imagesPath, labelsPath: labelsPath, layout: layout)
        let classes = try classCount ?? largestLabel(labelValues, path: labelsPath) + 1
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
            fatalError("checkImages admits only uint8 and float32 images")
        }
    }

    /// `(count, channels, height, width, channelsLast)` of images of `shape` and `dtype`, checked
    /// as far as a header allows (before the values are read): the rank, the layout, the
    /// element type, at least one image, and one label per image.
    static func checkImages(
        _ shape: [Int], _ dtype: NumPyDType, labelCount: Int, imagesPath: String, labelsPath: String, layout: NumPyImageLayout
    ) throws -> (Int, Int, Int, Int, Bool) {
        let dims = try geometry(shape, path: imagesPath, layout: layout)
        guard dims.0 > 0 else { throw DatasetError(path: imagesPath, problem: .empty) }
        guard dtype == .uint8 || dtype == .float32 else {
            throw DatasetError(path: imagesPath, problem: .badHeader(reason: "images are \(dtype), expected uint8 or float32"))
        }
        guard labelCount == dims.0 else {
            throw DatasetError(path: imagesPath, problem: .countMismatch(images: dims.0, labels: labelCount, labelPath: labelsPath))
        }
        return dims
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
        if location.hasSuffix(".npz") && !ImageFolder.isDirectory(location) {
            let archive = try NumPyArchive(contentsOf: location)
            let labels = try archive.array("y_\(suffix)")
            let classes = try classCount(labels, path: "\(location)[y_\(suffix).npy]",
                                         other: archive.contains("y_\(other)") ? (try archive.array("y_\(other)"), "\(location)[y_\(other).npy]") : nil)
            // The images' header is checked before the images are inflated.
            let (shape, dtype) = try archive.header("x_\(suffix)")
            _ = try checkImages(
                shape, dtype, labelCount: labels.shape.first ?? 0, imagesPath: "\(location)[x_\(suffix).npy]",
                labelsPath: "\(location)[y_\(suffix).npy]", layout: .automatic)
            return try make(
                images: archive.array("x_\(suffix)"), labels: labels, imagesPath: "\(location)[x_\(suffix).npy]",
                labelsPath: "\(location)[y_\(suffix).npy]", name: name, classCount: classes)
        }
        let imagesPath = join(location, "x_\(suffix).npy"), labelsPath = join(location, "y_\(suffix).npy")
        let otherPath = join(location, "y_\(other).npy")
        let hint = "Expected x_train.npy, y_train.npy, x_test.npy and y_test.npy in \(location), or an .npz archive of those arrays."
        try FileKind.requireRegularFile(imagesPath, missingHint: hint)
        try FileKind.requireRegularFile(labelsPath, missingHint: hint)
        let labels = try NumPyArray(contentsOf: labelsPath)
        let classes = try classCount(labels, path: labelsPath,
                                     other: DataFile.exists(otherPath) ? (try NumPyArray(contentsOf: otherPath), otherPath) : nil)
        return try make(
            images: NumPyArray(contentsOf: imagesPath), labels: labels, imagesPath: imagesPath, labelsPath: labelsPath,
            name: name, classCount: classes)
    }

    /// The most classes a label array may imply. Labels are class indices, and a model's last
    /// layer has one output per class: a label of a billion would build a model of billions of
    /// weights before anything else is checked.
    public static let maximumClassCount = 1 << 16

    /// The largest label of `labels` and `other` plus one (at least 1).
    private static func classCount(_ labels: NumPyArray, path: String, other: (NumPyArray, String)?) throws -> Int {
        var largest = try largestLabel(labelArray(labels, path: path), path: path)
        if let (array, otherPath) = other { largest = max(largest, try largestLabel(labelArray(array, path: otherPath), path: otherPath)) }
        return largest + 1
    }

    /// The largest of `labels` (0 when there are none), refused when it would make more than
    /// `maximumClassCount` classes; negative labels are left for the range check.
    static func largestLabel(_ labels: [Int], path: String) throws -> Int {
        guard let index = labels.indices.max(by: { labels[$0] < labels[$1] }) else { return 0 }
        guard labels[index] < maximumClassCount else {
            throw DatasetError(path: path, problem: .tooManyClasses(index: index, label: labels[index], limit: maximumClassCount))
        }
        return max(labels[index], 0)
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
