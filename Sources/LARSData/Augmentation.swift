/// The random image transformations applied to training batches, each switchable.
///
/// - Random crop: pad the image with `padding` zero pixels (black, before normalisation) on
///   every side, then cut a window of the original size at a random offset.
/// - Horizontal flip: mirror left and right with probability 1/2. Sensible for photographs
///   (Fashion-MNIST, CIFAR), not for digits or text.
///
/// The random choices for an image depend only on (seed, epoch, dataset index), so they are the
/// same whatever the batch size, sharding, prefetching or resume point.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Whether to crop at a random offset after zero padding.
    public var randomCrop: Bool
    /// Zero pixels added on each side before cropping.
    public var padding: Int
    /// Whether to mirror half of the images left to right.
    public var horizontalFlip: Bool

    /// Chooses the augmentations; `padding` must not be negative.
    public init(randomCrop: Bool = false, padding: Int = 0, horizontalFlip: Bool = false) {
        userPrecondition(padding >= 0, "Augmentation: negative padding \(padding)")
        self.randomCrop = randomCrop
        self.padding = padding
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation (evaluation, or training without it).
    public static let none = Augmentation()

    /// Random crop with padding 4 for images of 32 pixels or more (CIFAR), 2 for smaller ones
    /// (28x28 Fashion-MNIST), and horizontal flips.
    public static func standard(height: Int) -> Augmentation {
        Augmentation(randomCrop: true, padding: height >= 32 ? 4 : 2, horizontalFlip: true)
    }

    /// Whether any transformation is switched on.
    public var isIdentity: Bool { !(randomCrop && padding > 0) && !horizontalFlip }

    /// The choices made for dataset image `index` in `epoch` of a run seeded with `seed`.
    /// Three values are always drawn in the same order, so switching one augmentation off does
    /// not change the others.
    public func transform(seed: UInt64, epoch: Int, index: Int) -> SampleTransform {
        var generator = SeededGenerator(seed: SeedMixing.seed(seed, stream: .augmentation, epoch: epoch, index: index))
        let window = 2 * padding + 1
        let y = SeedMixing.below(window, &generator)
        let x = SeedMixing.below(window, &generator)
        let flip = generator.next() >> 63 == 1
        return SampleTransform(
            offsetY: randomCrop ? y : padding, offsetX: randomCrop ? x : padding, flip: horizontalFlip && flip)
    }
}

/// The augmentation choices for one image: the crop window's top-left corner in the padded
/// image (`padding, padding` is the unshifted image) and whether to mirror it.
public struct SampleTransform: Sendable, Equatable {
    /// Row of the crop window in the padded image, `0...2 * padding`.
    public var offsetY: Int
    /// Column of the crop window in the padded image, `0...2 * padding`.
    public var offsetX: Int
    /// Whether the cropped image is mirrored left to right.
    public var flip: Bool

    /// Describes one image's crop offset and flip.
    public init(offsetY: Int, offsetX: Int, flip: Bool) {
        self.offsetY = offsetY
        self.offsetX = offsetX
        self.flip = flip
    }
}

/// Writes one augmented, normalised image.
enum SampleRenderer {
    /// Fills `output` (`channels * height * width` floats) from the bytes at `source`.
    ///
    /// Output pixel (c, y, x) reads padded pixel (y + offsetY, x' + offsetX), with
    /// x' = width - 1 - x when flipping, where padded pixel (py, px) is source pixel
    /// (py - padding, px - padding), or byte 0 outside the image. `table` maps bytes to
    /// normalised values per channel (`Normalization.lookupTable`).
    @inline(__always)
    static func render(
        source: UnsafePointer<UInt8>, channels: Int, height: Int, width: Int, padding: Int,
        transform: SampleTransform, table: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        renderWindow(
            source: source, channels: channels, height: height, width: width, padding: padding, transform: transform,
            output: output, map: ByteTableMap(table: table))
    }

    /// The crop-and-flip walk both renderers share, for pixels of any storage: output pixel
    /// (c, y, x) reads padded pixel (y + offsetY, x' + offsetX) of `source` (`channels * height *
    /// width` elements, NCHW), x' = width - 1 - x when flipping, mapped by `map` for channel c;
    /// padding outside the image becomes the map's background. Specialised and inlined into
    /// each caller, so the generic walk costs no more than a hand-written byte loop.
    @inline(__always)
    static func renderWindow<Map: ChannelPixelMap>(
        source: UnsafePointer<Map.Pixel>, channels: Int, height: Int, width: Int, padding: Int,
        transform: SampleTransform, output: UnsafeMutablePointer<Float>, map: Map
    ) {
        var map = map
        let shiftY = transform.offsetY - padding
        let shiftX = transform.offsetX - padding
        let plane = height * width
        for channel in 0..<channels {
            let fill = map.select(channel: channel)
            let src = source + channel * plane
            let dst = output + channel * plane
            for y in 0..<height {
                let sy = y + shiftY
                let row = dst + y * width
                guard sy >= 0 && sy < height else {
                    row.update(repeating: fill, count: width)
                    continue
                }
                let srcRow = src + sy * width
                for x in 0..<width {
                    let sx = (transform.flip ? width - 1 - x : x) + shiftX
                    row[x] = (sx >= 0 && sx < width) ? map.value(srcRow[sx]) : fill
                }
            }
        }
    }
}

/// How one channel's source pixels become normalised output values.
protocol ChannelPixelMap {
    associatedtype Pixel
    /// Prepares channel `channel` and returns the value of padding (a source 0) in it.
    mutating func select(channel: Int) -> Float
    /// The output value of source pixel `pixel` in the selected channel.
    func value(_ pixel: Pixel) -> Float
}

/// Bytes through a per-channel lookup table (`Normalization.lookupTable`: 256 floats a channel).
struct ByteTableMap: ChannelPixelMap {
    let table: UnsafePointer<Float>
    private var lut: UnsafePointer<Float>

    init(table: UnsafePointer<Float>) {
        self.table = table
        self.lut = table
    }

    mutating func select(channel: Int) -> Float {
        lut = table + channel * 256
        return lut[0]
    }

    @inline(__always)
    func value(_ pixel: UInt8) -> Float { lut[Int(pixel)] }
}
