import Foundation
import Testing
@testable import LARSData

@Suite("IDX loaders")
struct IDXLoaderTests {
    private func writePair(
        _ dir: ScratchDirectory, prefix: String = "train", gzip: Bool, count: Int = 5,
        images: [UInt8]? = nil, labels: [UInt8]? = nil, imageDims: [Int]? = nil, labelDims: [Int]? = nil
    ) throws {
        let sample = IDXBuilder.sample(count: count, height: 4, width: 3)
        let imageFile = IDXBuilder.bytes(dimensions: imageDims ?? [count, 4, 3], values: images ?? sample.images)
        let labelFile = IDXBuilder.bytes(dimensions: labelDims ?? [count], values: labels ?? sample.labels)
        if gzip {
            try dir.writeGzip(imageFile, to: "\(prefix)-images-idx3-ubyte.gz")
            try dir.writeGzip(labelFile, to: "\(prefix)-labels-idx1-ubyte.gz")
        } else {
            try dir.write(imageFile, to: "\(prefix)-images-idx3-ubyte")
            try dir.write(labelFile, to: "\(prefix)-labels-idx1-ubyte")
        }
    }

    @Test("plain and gzip IDX files load the same images and labels", arguments: [false, true])
    func loadsBothEncodings(gzip: Bool) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: gzip)
        try writePair(dir, prefix: "t10k", gzip: gzip, count: 3)
        let train = try FashionMNIST.load(directory: dir.path, split: .train)
        let expected = IDXBuilder.sample(count: 5, height: 4, width: 3)
        #expect(train.count == 5 && train.channels == 1 && train.height == 4 && train.width == 3)
        #expect(train.images == expected.images)
        #expect(train.labels == expected.labels.map(Int.init))
        #expect(train.classCount == 10 && train.classNames?[9] == "Ankle boot")
        #expect(train.name == "fashion-mnist/train")
        let test = try MNIST.load(directory: dir.path, split: .test)
        #expect(test.count == 3 && test.name == "mnist/test")
    }

    @Test("the dotted MNIST spelling train-images.idx3-ubyte is found")
    func dottedNames() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let sample = IDXBuilder.sample(count: 2, height: 2, width: 2)
        try dir.write(IDXBuilder.bytes(dimensions: [2, 2, 2], values: sample.images), to: "train-images.idx3-ubyte")
        try dir.write(IDXBuilder.bytes(dimensions: [2], values: sample.labels), to: "train-labels.idx1-ubyte")
        #expect(try MNIST.load(directory: dir.path, split: .train).count == 2)
    }

    @Test("a missing default directory names the apt package")
    func missingFileNamesPackage() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let error = datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }
        let text = try #require(error).description
        #expect(text.contains(dir.path + "/train-images-idx3-ubyte.gz"))
        #expect(text.contains("file not found"))
        #expect(text.contains("dataset-fashion-mnist"))
        // The default location's message is the apt-get command itself.
        let hint = DatasetError(path: "x", problem: .missingFile(hint: "")).description
        #expect(hint.contains("file not found"))
    }

    @Test("a bad magic number is reported with the value found")
    func badMagic() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: false)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("train-labels-idx1-ubyte"))))
        bytes[2] = 0x0D  // float type code
        try dir.write(bytes, to: "train-labels-idx1-ubyte")
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-labels-idx1-ubyte"))
        #expect(text.contains("bad magic number 0x00000D01"))
        #expect(text.contains("0x00000801"))
    }

    @Test("an images file with the wrong rank is a bad magic number")
    func wrongRank() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: false, images: [UInt8](repeating: 0, count: 5 * 12), imageDims: [5, 12])
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-images-idx3-ubyte: bad magic number 0x00000802"))
    }

    @Test("a truncated images file gives the byte offset of the first short item", arguments: [false, true])
    func truncatedImages(gzip: Bool) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let sample = IDXBuilder.sample(count: 5, height: 4, width: 3)
        // Header 16 bytes, items of 12 bytes: 3 whole items and 5 bytes of the fourth.
        try writePair(dir, gzip: gzip, images: Array(sample.images.prefix(41)))
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-images-idx3-ubyte"))
        #expect(text.contains("truncated item 3 of 5 at byte offset 52"))
        #expect(text.contains("needs 12 bytes"))
    }

    @Test("a truncated header is reported")
    func truncatedHeader() throws {
        let error = datasetError { _ = try IDXFile.parse([0, 0, 8, 3, 0, 0], path: "f.idx", rank: 3) }
        #expect(error?.description == "f.idx: truncated IDX header at byte offset 0: it needs 16 bytes but the data ends at byte 6 (6 bytes available)")
    }

    @Test("extra bytes after the last item are refused")
    func trailingBytes() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: false, labels: [0, 1, 2, 3, 4, 5, 6])
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-labels-idx1-ubyte: 2 unexpected bytes after the last record, from byte offset 13"))
    }

    @Test("a label of 10 in a 10-class set is out of range")
    func labelOutOfRange() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: true, labels: [0, 1, 10, 3, 4])
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-labels-idx1-ubyte.gz: label out of range: record 2 has label 10, expected 0..<10"))
    }

    @Test("image and label counts that disagree name both files")
    func countMismatch() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: false, labels: [0, 1, 2, 3], labelDims: [4])
        let text = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(text.contains("train-images-idx3-ubyte: image and label counts disagree: 5 images but 4 labels in"))
        #expect(text.contains("train-labels-idx1-ubyte"))
    }

    @Test("a zero dimension is a bad header")
    func zeroDimension() throws {
        let error = datasetError { _ = try IDXFile.parse(IDXBuilder.bytes(dimensions: [0, 2, 2], values: []), path: "z", rank: 3) }
        #expect(error?.description == "z: bad header: dimension sizes [0, 2, 2] include zero")
    }

    @Test("a gzip stream cut short or with a bad checksum is a corrupt stream, not a short data set")
    func corruptGzip() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: true, count: 200)
        let path = dir.file("train-images-idx3-ubyte.gz")
        let whole = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))

        try dir.write(Array(whole.prefix(whole.count / 2)), to: "train-images-idx3-ubyte.gz")
        let cut = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(cut == path + ": corrupt gzip stream: unexpected end of file")

        var damaged = whole
        damaged[damaged.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        try dir.write(damaged, to: "train-images-idx3-ubyte.gz")
        let crc = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(crc == path + ": corrupt gzip stream: incorrect data check")

        var garbled = whole
        for i in 20..<60 { garbled[i] = 0xFF }  // inside the deflate data
        try dir.write(garbled, to: "train-images-idx3-ubyte.gz")
        let bad = try #require(datasetError { _ = try FashionMNIST.load(directory: dir.path, split: .train) }).description
        #expect(bad.contains("corrupt gzip stream") || bad.contains("truncated"))
    }

    @Test("DatasetKind loads by command-line name")
    func kindByName() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try writePair(dir, gzip: true)
        #expect(try DatasetKind(rawValue: "mnist")!.load(directory: dir.path, split: .train).count == 5)
        #expect(DatasetKind.fashionMNIST.standardAugmentation == Augmentation(randomCrop: true, padding: 2, horizontalFlip: true))
        #expect(DatasetKind.mnist.standardAugmentation.horizontalFlip == false)
        let error = datasetError { _ = try DatasetKind.cifar10.load(split: .train) }
        #expect(error?.description.contains("no standard location") == true)
    }
}
