/// A labelled image data set held as raw bytes: `count` images of `channels x height x width`
/// unsigned 8-bit pixels in NCHW order, and one class label per image.
///
/// Pixels stay `UInt8` (a quarter of the memory of `Float`); `BatchLoader` converts and
/// normalises them one batch at a time. A data set of `Float` pixels (NumPy `float32` arrays,
/// features computed elsewhere) holds them in `floatImages` instead, made by
/// `init(name:floatImages:labels:channels:height:width:classCount:classNames:)`; then `images` is
/// empty and the values reach batches without passing through bytes.
public struct ImageDataset: Sendable {
    /// A short name for logs, such as `"fashion-mnist/train"`.
    public var name: String
    /// `count * channels * height * width` pixels, image-major then NCHW; empty for a data set
    /// of `Float` pixels.
    public let images: [UInt8]
    /// `count * channels * height * width` `Float` pixels, image-major then NCHW, for a data set
    /// made from `Float` values; `nil` for a data set of bytes.
    public let floatImages: [Float]?
    /// `count` labels, each in `0..<classCount`.
    public let labels: [Int]
    /// The number of images.
    public let count: Int
    /// Colour channels per image (1 for grey-scale, 3 for RGB).
    public let channels: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// The number of classes; labels lie in `0..<classCount`.
    public let classCount: Int
    /// Human-readable class names, `classCount` of them, when the data set defines them.
    public var classNames: [String]?

    /// Wraps already validated pixels and labels. The sizes must agree and every label must lie
    /// in `0..<classCount` (loaders check file contents and throw `DatasetError` before this).
    /// - Parameters:
    ///   - name: a short name for logs; a `Trainer` names its run after the part before any `/`.
    ///   - images: the pixels, `labels.count * channels * height * width` bytes, image-major
    ///     then NCHW.
    ///   - labels: one class per image, each in `0..<classCount`.
    ///   - channels: colour channels per image (1 grey, 3 RGB).
    ///   - height: image height in pixels.
    ///   - width: image width in pixels.
    ///   - classCount: the number of classes.
    ///   - classNames: `classCount` names for the classes, or `nil`.
    public init(
        name: String, images: [UInt8], labels: [Int], channels: Int, height: Int, width: Int,
        classCount: Int, classNames: [String]? = nil
    ) {
        self.init(
            name: name, images: images, floatImages: nil, pixelCount: images.count, labels: labels, channels: channels,
            height: height, width: width, classCount: classCount, classNames: classNames)
    }

    /// The one place both storage kinds are checked and stored: the shape, the pixel count
    /// (`pixelCount` bytes or values), the labels and the class names. A violation is a
    /// programming error (loaders throw before this) and traps with a message that survives
    /// release builds.
    init(
        name: String, images: [UInt8], floatImages: [Float]?, pixelCount: Int, labels: [Int], channels: Int,
        height: Int, width: Int, classCount: Int, classNames: [String]?
    ) {
        guard channels > 0, height > 0, width > 0, classCount > 0 else {
            fatalError("ImageDataset \(name): empty shape \(channels)x\(height)x\(width) or class count \(classCount)")
        }
        guard pixelCount == labels.count * channels * height * width else {
            fatalError("ImageDataset \(name): \(pixelCount) pixels do not make \(labels.count) images of \(channels)x\(height)x\(width)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            fatalError("ImageDataset \(name): label \(labels[bad]) of image \(bad) lies outside 0..<\(classCount)")
        }
        if let classNames, classNames.count != classCount {
            fatalError("ImageDataset \(name): \(classNames.count) class names for \(classCount) classes")
        }
        self.name = name
        self.images = images
        self.floatImages = floatImages
        self.labels = labels
        self.count = labels.count
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames
    }

    /// Pixels per image: `channels * height * width`.
    public var imageSize: Int { channels * height * width }

    /// The first `n` images (all of them when `n >= count`), for quick runs on a subset.
    public func prefix(_ n: Int) -> ImageDataset {
        userPrecondition(n >= 0, "ImageDataset.prefix: negative count \(n)")
        if n >= count { return self }
        return subset(0..<n, name: "\(name)[:\(n)]")
    }

    /// How many images carry each label, indexed by class.
    public var classHistogram: [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[label] += 1 }
        return histogram
    }
}

/// Which half of a data set to load.
public enum DatasetSplit: String, Sendable, CaseIterable {
    /// The training images.
    case train
    /// The held-out test images.
    case test
}
