import LARSCore
import LARSData

/// A small, learnable image-classification set: each class is a fixed random pattern, and
/// each image is its class pattern plus seeded noise. Fast enough for trainer tests.
func syntheticImages(count: Int, classes: Int = 4, side: Int = 12, seed: UInt64) -> ImageDataset {
    var patternGenerator = SeededGenerator(seed: 1234)
    let patterns = (0..<classes).map { _ in (0..<(side * side)).map { _ in patternGenerator.nextUnitFloat() } }
    var generator = SeededGenerator(seed: seed)
    var pixels: [UInt8] = []
    var labels: [Int] = []
    pixels.reserveCapacity(count * side * side)
    for i in 0..<count {
        let label = i % classes
        labels.append(label)
        for p in patterns[label] {
            let noisy = 0.6 * p + 0.4 * generator.nextUnitFloat()
            pixels.append(UInt8(max(0, min(255, noisy * 255))))
        }
    }
    return ImageDataset(
        name: "synthetic-\(seed)", images: pixels, labels: labels, channels: 1, height: side, width: side,
        classCount: classes)
}
