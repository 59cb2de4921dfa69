/// Data sets of `Float` pixels: the initializer, slicing that works for either storage, and the
/// statistics `Normalization` needs.
extension ImageDataset {
    /// Wraps `Float` pixels (`labels.count * channels * height * width` values, image-major then
    /// NCHW) and labels. The values keep their own units: `Normalization(computedFrom:)` measures
    /// them as they are (no division by 255) and batches hold `(value - mean) / deviation`.
    ///
    /// The sizes must agree, every value must be finite and every label lie in
    /// `0..<classCount`; loaders check their files and throw `DatasetError` before this, so a
    /// violation here is a programming error and traps with a message.
    /// - Parameters:
    ///   - name: a short name for logs; a `Trainer` names its run after the part before any `/`.
    ///   - floatImages: the pixels, `labels.count * channels * height * width` values.
    ///   - labels: one class per image, each in `0..<classCount`.
    ///   - channels: colour channels per image.
    ///   - height: image height in pixels.
    ///   - width: image width in pixels.
    ///   - classCount: the number of classes.
    ///   - classNames: `classCount` names for the classes, or `nil`.
    public init(
        name: String, floatImages: [Float], labels: [Int], channels: Int, height: Int, width: Int,
        classCount: Int, classNames: [String]? = nil
    ) {
        if let bad = floatImages.firstIndex(where: { !$0.isFinite }) {
            fatalError("ImageDataset \(name): value \(bad) is \(floatImages[bad]), not finite")
        }
        self.init(
            name: name, images: [], floatImages: floatImages, pixelCount: floatImages.count, labels: labels,
            channels: channels, height: height, width: width, classCount: classCount, classNames: classNames)
    }

    /// Whether the pixels are `Float` values (`floatImages`) rather than bytes (`images`).
    public var holdsFloats: Bool { floatImages != nil }

    /// The images at positions `range`, in order, under another name; same storage kind.
    public func subset(_ range: Range<Int>, name: String) -> ImageDataset {
        userPrecondition(range.lowerBound >= 0 && range.upperBound <= count, "ImageDataset.subset: \(range) outside 0..<\(count)")
        let pixels = (range.lowerBound * imageSize)..<(range.upperBound * imageSize)
        if let floatImages {
            return ImageDataset(
                name: name, floatImages: Array(floatImages[pixels]), labels: Array(labels[range]), channels: channels,
                height: height, width: width, classCount: classCount, classNames: classNames)
        }
        return ImageDataset(
            name: name, images: Array(images[pixels]), labels: Array(labels[range]), channels: channels,
            height: height, width: width, classCount: classCount, classNames: classNames)
    }
}

extension Normalization {
    /// The population mean and standard deviation of each channel of the first `count` images
    /// of `values` (NCHW, `channels` planes of `plane` values each), in the values' own units,
    /// summed in `Double` in a fixed order so the result does not depend on threads. A channel
    /// with zero spread gets deviation 1.
    static func statistics(ofFloats values: [Float], count: Int, channels: Int, plane: Int) -> Normalization {
        var sums = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        values.withUnsafeBufferPointer { pixels in
            for image in 0..<count {
                for channel in 0..<channels {
                    let base = (image * channels + channel) * plane
                    var sum = 0.0, square = 0.0
                    for i in base..<(base + plane) {
                        let v = Double(pixels[i])
                        sum += v
                        square += v * v
                    }
                    sums[channel] += sum
                    squares[channel] += square
                }
            }
        }
        let n = Double(count * plane)
        var means: [Float] = [], deviations: [Float] = []
        for channel in 0..<channels {
            let mean = sums[channel] / n
            let deviation = max(0, squares[channel] / n - mean * mean).squareRoot()
            means.append(Float(mean))
            let rounded = Float(deviation)
            deviations.append(rounded > 0 && rounded.isFinite ? rounded : 1)
        }
        return Normalization(mean: means, standardDeviation: deviations)
    }
}
