/// Per-channel mean and standard deviation of pixel values in `[0, 1]` units (byte / 255).
///
/// A batch pixel becomes `(byte / 255 - mean[c]) / standardDeviation[c]`. Compute it once from
/// the training set, then reuse the same value for the test set and store it in checkpoints
/// (`metadataString`) so that a resumed run or a later evaluation normalises identically.
/// For a data set of `Float` pixels the units are the values' own: a batch value becomes
/// `(value - mean[c]) / standardDeviation[c]`.
public struct Normalization: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The mean of each channel, in `[0, 1]` units.
    public var mean: [Float]
    /// The standard deviation of each channel, in `[0, 1]` units; always positive.
    public var standardDeviation: [Float]

    /// Uses the given statistics; the arrays need one positive deviation per channel.
    public init(mean: [Float], standardDeviation: [Float]) {
        userPrecondition(mean.count == standardDeviation.count && !mean.isEmpty,
                     "Normalization: \(mean.count) means for \(standardDeviation.count) deviations")
        userPrecondition(standardDeviation.allSatisfy { $0 > 0 && $0.isFinite },
                     "Normalization: standard deviations must be positive, got \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Only scales bytes to `[0, 1]`: mean 0 and deviation 1 for each of `channels`.
    public static func unitScale(channels: Int) -> Normalization {
        Normalization(mean: [Float](repeating: 0, count: channels), standardDeviation: [Float](repeating: 1, count: channels))
    }

    /// The population mean and standard deviation of every pixel of each channel of the first
    /// `limit` images of `dataset` (all of them by default).
    ///
    /// The sums are exact integers, so the result does not depend on summation order or
    /// thread count. A channel with zero spread gets deviation 1 rather than a division by zero.
    /// For a data set of `Float` pixels the statistics are in the values' own units (see
    /// `ImageDataset.floatImages`).
    public init(computedFrom dataset: ImageDataset, limit: Int? = nil) {
        let count = min(limit ?? dataset.count, dataset.count)
        userPrecondition(count > 0, "Normalization: \(dataset.name) has no images to compute statistics from")
        let plane = dataset.height * dataset.width
        if let floats = dataset.floatImages {
            self = Self.statistics(ofFloats: floats, count: count, channels: dataset.channels, plane: plane)
            return
        }
        var sums = [UInt64](repeating: 0, count: dataset.channels)
        var squares = [UInt64](repeating: 0, count: dataset.channels)
        dataset.images.withUnsafeBufferPointer { pixels in
            for image in 0..<count {
                for channel in 0..<dataset.channels {
                    let base = (image * dataset.channels + channel) * plane
                    var sum: UInt64 = 0
                    var square: UInt64 = 0
                    for i in base..<(base + plane) {
                        let v = UInt64(pixels[i])
                        sum &+= v
                        square &+= v &* v
                    }
                    sums[channel] &+= sum
                    squares[channel] &+= square
                }
            }
        }
        let n = Double(count * plane)
        var means: [Float] = []
        var deviations: [Float] = []
        for channel in 0..<dataset.channels {
            let mean = Double(sums[channel]) / n
            let variance = max(0, Double(squares[channel]) / n - mean * mean)
            let deviation = variance.squareRoot() / 255
            means.append(Float(mean / 255))
            deviations.append(deviation > 0 ? Float(deviation) : 1)
        }
        self.init(mean: means, standardDeviation: deviations)
    }

    /// The number of channels.
    public var channels: Int { mean.count }

    /// For each channel, the normalised value of each of the 256 byte values:
    /// `table[channel * 256 + byte]`.
    public var lookupTable: [Float] {
        var table = [Float](repeating: 0, count: channels * 256)
        for channel in 0..<channels {
            for byte in 0..<256 {
                table[channel * 256 + byte] = (Float(byte) / 255 - mean[channel]) / standardDeviation[channel]
            }
        }
        return table
    }

    /// `"mean=m0,m1,m2;std=s0,s1,s2"`, exact (shortest round-trip decimal of each Float), for
    /// checkpoint metadata.
    public var metadataString: String {
        "mean=" + mean.map { "\($0)" }.joined(separator: ",") + ";std=" + standardDeviation.map { "\($0)" }.joined(separator: ",")
    }

    /// Parses `metadataString`; `nil` when the text is malformed.
    public init?(metadataString text: String) {
        let parts = text.split(separator: ";")
        guard parts.count == 2, parts[0].hasPrefix("mean="), parts[1].hasPrefix("std=") else { return nil }
        let means = parts[0].dropFirst(5).split(separator: ",").compactMap { Float(String($0)) }
        let deviations = parts[1].dropFirst(4).split(separator: ",").compactMap { Float(String($0)) }
        guard !means.isEmpty, means.count == deviations.count,
              means.count == parts[0].dropFirst(5).split(separator: ",").count,
              deviations.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        self.init(mean: means, standardDeviation: deviations)
    }

    /// `metadataString`.
    public var description: String { metadataString }
}
