import Foundation
import Testing
@testable import LARSData

private let installed = FileManager.default.fileExists(
    atPath: FashionMNIST.defaultDirectory + "/t10k-images-idx3-ubyte.gz")

@Suite("Fashion-MNIST as installed by dataset-fashion-mnist")
struct FashionMNISTFilesTests {
    @Test(
        "the installed test split loads 10,000 28x28 images with balanced labels",
        .enabled(if: installed, "skipped: \(FashionMNIST.defaultDirectory) is absent; sudo apt-get install dataset-fashion-mnist"))
    func installedTestSplit() throws {
        let test = try FashionMNIST.load(split: .test)
        #expect(test.count == 10_000)
        #expect(test.channels == 1 && test.height == 28 && test.width == 28)
        #expect(test.classHistogram == [Int](repeating: 1000, count: 10))
        let stats = Normalization(computedFrom: test)
        // Fashion-MNIST's well-known statistics: mean about 0.286, deviation about 0.353.
        #expect(abs(stats.mean[0] - 0.286) < 0.005)
        #expect(abs(stats.standardDeviation[0] - 0.353) < 0.005)
    }

    @Test(
        "the installed training split loads 60,000 images",
        .enabled(if: installed, "skipped: \(FashionMNIST.defaultDirectory) is absent; sudo apt-get install dataset-fashion-mnist"))
    func installedTrainSplit() throws {
        let train = try FashionMNIST.load(split: .train)
        #expect(train.count == 60_000)
        #expect(train.classHistogram == [Int](repeating: 6000, count: 10))
    }
}
