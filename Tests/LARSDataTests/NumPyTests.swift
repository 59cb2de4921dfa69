import Foundation
import LARSTestSupport
import Testing
@testable import LARSData

@Suite("NumPy .npy and .npz data")
struct NumPyTests {
    @Test("a float32 .npy pair becomes a Float data set whose batches hold the values normalised, not rounded through bytes")
    func floatPair() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let (images, labels) = NumPyBuilder.floatPair()
        try dir.write(images, to: "x.npy")
        try dir.write(labels, to: "y.npy")
        let data = try NumPyDataset.load(imagesPath: dir.file("x.npy"), labelsPath: dir.file("y.npy"), name: "f")
        #expect(data.floatImages == NumPyBuilder.floatImages && data.images.isEmpty)
        #expect(data.labels == [1, 0] && data.classCount == 2)
        #expect(data.channels == 1 && data.height == 2 && data.width == 2)
        let normalization = Normalization(mean: [2], standardDeviation: [4])
        let loader = BatchLoader(dataset: data, options: .evaluation(batchSize: 2, normalization: normalization))
        let batch = loader.batch(epoch: 0, index: 0)
        #expect(batch.images.scalars == NumPyBuilder.floatImages.map { ($0 - 2) / 4 })
        // Statistics in the values' own units: mean of the 8 values, population deviation.
        let stats = Normalization(computedFrom: data)
        let mean = NumPyBuilder.floatImages.reduce(0, +) / 8
        #expect(abs(stats.mean[0] - mean) < 1e-5)
    }

    @Test("Float data: crop padding is value 0 and a flip mirrors, as for bytes; subsets keep Float storage")
    func floatAugmentation() throws {
        let data = ImageDataset(name: "f", floatImages: [1, 2, 3, 4], labels: [0], channels: 1, height: 2, width: 2, classCount: 1)
        let options = BatchOptions(batchSize: 1, shuffle: false, augmentation: Augmentation(horizontalFlip: true))
        let loader = BatchLoader(dataset: data, options: options)
        let flips = (0..<16).map { loader.batch(epoch: $0, index: 0).images.scalars }
        #expect(flips.contains([2, 1, 4, 3]) && flips.contains([1, 2, 3, 4]))
        let two = ImageDataset(name: "g", floatImages: [1, 2, 3, 4, 5, 6, 7, 8], labels: [0, 1], channels: 1, height: 2, width: 2, classCount: 2)
        let (train, held) = try two.holdingOut(last: 1)
        #expect(train.floatImages == [1, 2, 3, 4] && held?.floatImages == [5, 6, 7, 8] && two.prefix(1).floatImages == [1, 2, 3, 4])
    }

    @Test("uint8 NHWC images are transposed to NCHW; [N, 1] uint8 labels are read", arguments: [false, true])
    func channelsLast(deflate: Bool) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        // Two 5x1 RGB images in NHWC: value (n, y, 0, c) = n * 15 + y * 3 + c.
        let pixels = (0..<30).map { UInt8($0) }
        let images = NumPyBuilder.npy(descriptor: "|u1", shape: [2, 5, 1, 3], payload: pixels)
        let labels = NumPyBuilder.npy(descriptor: "|u1", shape: [2, 1], payload: [2, 0])
        let testLabels = NumPyBuilder.npy(descriptor: "|u1", shape: [2, 1], payload: [4, 0])
        try dir.write(NumPyBuilder.zip(
            [("x_train.npy", images), ("y_train.npy", labels), ("x_test.npy", images), ("y_test.npy", testLabels)],
            deflate: deflate), to: "d.npz")
        let data = try DatasetKind.npy.load(directory: dir.file("d.npz"), split: .train)
        // NCHW position n * 15 + c * 5 + y.
        var expected = [UInt8](repeating: 0, count: 30)
        for n in 0..<2 {
            for c in 0..<3 {
                for y in 0..<5 { expected[n * 15 + c * 5 + y] = UInt8(n * 15 + y * 3 + c) }
            }
        }
        #expect(data.images == expected)
        #expect(data.channels == 3 && data.height == 5 && data.width == 1 && data.labels == [2, 0])
        #expect(data.classCount == 5)  // The test split's label 4 counts too.
    }

    @Test("a directory of x_train.npy, y_train.npy, x_test.npy, y_test.npy loads by split")
    func directoryLayout() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let (images, labels) = NumPyBuilder.floatPair()
        for split in ["train", "test"] {
            try dir.write(images, to: "x_\(split).npy")
            try dir.write(labels, to: "y_\(split).npy")
        }
        let test = try DatasetKind.npy.load(directory: dir.path, split: .test)
        #expect(test.count == 2 && test.floatImages == NumPyBuilder.floatImages && test.name == "npy/test")
        let error = datasetError { _ = try DatasetKind.npy.load(directory: dir.file("none"), split: .train) }
        #expect(error?.path == dir.file("none") + "/x_train.npy")
    }

    /// A malformed file and the error text expected after the file name.
    static let malformed: [(String, [UInt8], String)] = {
        let b = NumPyBuilder.self
        let ok = b.floatBytes([Float](repeating: 1, count: 4))
        return [
            ("bad magic", Array("NUMPX\u{1}\u{0}".utf8) + [0, 0, 0], ": bad magic number 4e 55 4d 50 58 1, expected \\x93NUMPY (a NumPy .npy array); this is not the expected file format"),
            ("short", [0x93, 0x4E], ": truncated NumPy preamble at byte offset 0: it needs 10 bytes but the data ends at byte 2 (2 bytes available)"),
            ("version", b.npy(descriptor: "<f4", shape: [1, 2, 2], payload: ok).enumerated().map { $0.offset == 6 ? 7 : $0.element }, ": bad header: unknown .npy format version 7.0"),
            ("float64", b.npy(descriptor: "<f8", shape: [1, 2, 2], payload: ok + ok), ": bad header: dtype '<f8' is not supported (uint8 or float32 images, integer labels)"),
            ("big-endian", b.npy(descriptor: ">f4", shape: [1, 2, 2], payload: ok), ": bad header: dtype '>f4' is big-endian; save the array as '<f4' (little-endian)"),
            ("fortran", b.npy(descriptor: "<f4", shape: [1, 2, 2], payload: ok, fortran: true), ": bad header: the array is in Fortran order; save it in C order (np.ascontiguousarray)"),
            ("truncated", b.npy(descriptor: "<f4", shape: [2, 2, 2], payload: ok), ": truncated array of shape [2, 2, 2] (<f4) at byte offset 128: it needs 32 bytes but the data ends at byte 144 (16 bytes available)"),
            ("huge", b.npy(descriptor: "<f4", shape: [1 << 30, 1 << 10], payload: ok), ": truncated array of shape [1073741824, 1024] (<f4) at byte offset 128: it needs 4398046511104 bytes but the data ends at byte 144 (16 bytes available)"),
            ("trailing", b.npy(descriptor: "<f4", shape: [1, 2, 2], payload: ok + [0]), ": 1 unexpected bytes after the last record, from byte offset 144"),
            ("overflow", b.npy(descriptor: "<f4", shape: [1 << 40, 1 << 40, 1], payload: ok), ": bad header: shape [1099511627776, 1099511627776, 1] describes more than 9223372036854775807 bytes"),
            ("structured", b.npy(descriptor: "", shape: [], payload: [], header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"), ": bad header: malformed .npy header dict: expected a string, a tuple, True or False at character 10"),
            ("repeated key", b.npy(descriptor: "", shape: [], payload: [], header: "{'shape': (1,), 'shape': (1,), 'descr': '<f4', 'fortran_order': False}"), ": bad header: malformed .npy header dict: repeated key 'shape' at character 29"),
            ("unknown key", b.npy(descriptor: "", shape: [], payload: [], header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"), ": bad header: malformed .npy header dict: expected a string, a tuple, True or False at character 61"),
            ("huge header length", [0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0x7F], ": truncated NumPy header at byte offset 12: it needs 2147483647 bytes but the data ends at byte 12 (0 bytes available)"),
            ("rank 5", b.npy(descriptor: "<f4", shape: [1, 1, 2, 2, 1], payload: ok), ": bad header: images have shape [1, 1, 2, 2, 1]; expected [N, H, W], [N, C, H, W], [N, H, W, C] or [N, F]"),
            ("empty", b.npy(descriptor: "<f4", shape: [0, 2, 2], payload: []), ": the file holds no records"),
            ("NaN", b.npy(descriptor: "<f4", shape: [1, 2, 2], payload: b.floatBytes([1, 2, .nan, 4])), ": value 2 is not finite (NaN or infinity)"),
            ("ambiguous", b.npy(descriptor: "|u1", shape: [1, 3, 2, 3], payload: [UInt8](repeating: 0, count: 18)), ": bad header: cannot tell channels from width in shape [1, 3, 2, 3]; pass layout .channelsFirst or .channelsLast"),
        ]
    }()

    @Test("every malformed .npy image file is refused with an error naming the file", arguments: 0..<18)
    func malformedImages(index: Int) throws {
        let (name, bytes, expected) = Self.malformed[index]
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(bytes, to: "x.npy")
        try dir.write(NumPyBuilder.npy(descriptor: "<i8", shape: [1], payload: NumPyBuilder.int64Bytes([Int64(0)])), to: "y.npy")
        let error = datasetError { _ = try NumPyDataset.load(imagesPath: dir.file("x.npy"), labelsPath: dir.file("y.npy"), name: "t") }
        #expect(error?.description == dir.file("x.npy") + expected, "\(name)")
    }

    @Test("bad labels are refused naming the label file: float, out of range, wrong count, wrong rank")
    func badLabels() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let (images, _) = NumPyBuilder.floatPair()
        try dir.write(images, to: "x.npy")
        let cases: [([UInt8], String)] = [
            (NumPyBuilder.npy(descriptor: "<f4", shape: [2], payload: NumPyBuilder.floatBytes([Float(0), 1])), "y.npy: bad header: labels are float32, expected an integer type"),
            (NumPyBuilder.npy(descriptor: "<i8", shape: [2], payload: NumPyBuilder.int64Bytes([Int64(0), -1])), "y.npy: label out of range: record 1 has label -1, expected 0..<1"),
            (NumPyBuilder.npy(descriptor: "|u1", shape: [2, 2], payload: [0, 0, 0, 0]), "y.npy: bad header: labels have shape [2, 2], expected [N] or [N, 1]"),
            (NumPyBuilder.npy(descriptor: "|u1", shape: [3], payload: [0, 0, 0]), "x.npy: image and label counts disagree: 2 images but 3 labels in " + dir.file("y.npy")),
        ]
        for (labels, expected) in cases {
            try dir.write(labels, to: "y.npy")
            let error = datasetError { _ = try NumPyDataset.load(imagesPath: dir.file("x.npy"), labelsPath: dir.file("y.npy"), name: "t") }
            #expect(error?.description == dir.path + "/" + expected)
        }
    }
}
