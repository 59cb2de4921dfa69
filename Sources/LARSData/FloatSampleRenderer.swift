/// Writes augmented, normalised images from `Float` pixels: the `Float` twin of
/// `SampleRenderer`, with the same crop and flip geometry and zero (before normalisation) as
/// the padding value.
enum FloatSampleRenderer {
    /// Fills `output` (`indices.count` images) from the images `indices` of `values`, image
    /// `slot` with `transforms[slot]`. `scale` holds each channel's mean, then each deviation.
    static func renderBatch(
        _ values: [Float], indices: [Int], channels: Int, height: Int, width: Int, padding: Int,
        transforms: [SampleTransform], scale: [Float], threads: Int, into output: inout [Float]
    ) {
        let imageSize = channels * height * width
        output.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { pixels in
                scale.withUnsafeBufferPointer { scale in
                    guard let outBase = out.baseAddress, let pixelBase = pixels.baseAddress, let scaleBase = scale.baseAddress else { return }
                    let target = SendablePointer(outBase)
                    let source = SendableConstPointer(pixelBase)
                    let statistics = SendableConstPointer(scaleBase)
                    Parallel.forEach(indices.count, threads: threads) { slot in
                        render(
                            source: source.base + indices[slot] * imageSize, channels: channels, height: height,
                            width: width, padding: padding, transform: transforms[slot], scale: statistics.base,
                            output: target.base + slot * imageSize)
                    }
                }
            }
        }
    }

    /// One image: output pixel (c, y, x) is padded pixel (y + offsetY, x' + offsetX) as in
    /// `SampleRenderer.render`, normalised as `(value - mean[c]) / deviation[c]`.
    @inline(__always)
    static func render(
        source: UnsafePointer<Float>, channels: Int, height: Int, width: Int, padding: Int,
        transform: SampleTransform, scale: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        SampleRenderer.renderWindow(
            source: source, channels: channels, height: height, width: width, padding: padding, transform: transform,
            output: output, map: FloatScaleMap(scale: scale, channels: channels))
    }
}

/// `Float` pixels normalised as `(value - mean[c]) / deviation[c]`; `scale` holds the channels'
/// means, then their deviations.
struct FloatScaleMap: ChannelPixelMap {
    let scale: UnsafePointer<Float>
    let channels: Int
    private var mean: Float = 0
    private var deviation: Float = 1

    init(scale: UnsafePointer<Float>, channels: Int) {
        self.scale = scale
        self.channels = channels
    }

    mutating func select(channel: Int) -> Float {
        mean = scale[channel]
        deviation = scale[channels + channel]
        return (0 - mean) / deviation
    }

    @inline(__always)
    func value(_ pixel: Float) -> Float { (pixel - mean) / deviation }
}
