import Testing
@testable import LARSData

@Suite("CIFAR loaders")
struct CIFARLoaderTests {
    @Test("CIFAR-10 concatenates the five training batches in order")
    func cifar10Train() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        for batch in 1...5 {
            try dir.write(CIFARBuilder.records([[UInt8(batch)], [UInt8(batch + 4)]]), to: "data_batch_\(batch).bin")
        }
        try dir.write(CIFARBuilder.records([[9], [0], [3]]), to: "test_batch.bin")
        let train = try CIFAR10.load(directory: dir.path, split: .train)
        #expect(train.count == 10 && train.channels == 3 && train.height == 32 && train.width == 32)
        #expect(train.labels == [1, 5, 2, 6, 3, 7, 4, 8, 5, 9])
        // Record 1 of data_batch_1 is image 1; its green plane starts 1024 bytes in.
        #expect(train.images[3072 + 1024] == CIFARBuilder.pixel(record: 1, offset: 1024))
        #expect(train.images[3072 * 9 + 3071] == CIFARBuilder.pixel(record: 1, offset: 3071))
        let test = try CIFAR10.load(directory: dir.path, split: .test)
        #expect(test.labels == [9, 0, 3] && test.classNames?[9] == "truck")
    }

    @Test("CIFAR-10 files are found in the archive's cifar-10-batches-bin folder")
    func cifar10Nested() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManagerShim.makeDirectory(dir.file("cifar-10-batches-bin"))
        try dir.write(CIFARBuilder.records([[4]]), to: "cifar-10-batches-bin/test_batch.bin")
        #expect(try CIFAR10.load(directory: dir.path, split: .test).labels == [4])
    }

    @Test("CIFAR-100 keeps the fine or the coarse label")
    func cifar100Labels() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(CIFARBuilder.records([[19, 99], [0, 42], [7, 3]]), to: "train.bin")
        let fine = try CIFAR100.load(directory: dir.path, split: .train, labels: .fine)
        let coarse = try CIFAR100.load(directory: dir.path, split: .train, labels: .coarse)
        #expect(fine.labels == [99, 42, 3] && fine.classCount == 100)
        #expect(coarse.labels == [19, 0, 7] && coarse.classCount == 20)
        #expect(fine.images == coarse.images)
        #expect(fine.images[3072 * 2] == CIFARBuilder.pixel(record: 2, offset: 0))
        #expect(try DatasetKind.cifar100Coarse.load(directory: dir.path, split: .train).labels == [19, 0, 7])
    }

    @Test("a missing CIFAR-10 batch is named")
    func cifar10Missing() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        for batch in [1, 2, 4, 5] { try dir.write(CIFARBuilder.records([[1]]), to: "data_batch_\(batch).bin") }
        let text = try #require(datasetError { _ = try CIFAR10.load(directory: dir.path, split: .train) }).description
        #expect(text.hasPrefix(dir.file("data_batch_3.bin") + ": file not found"))
        #expect(text.contains("cifar-10-binary.tar.gz"))
    }

    @Test("a truncated CIFAR-10 record gives its byte offset")
    func cifar10Truncated() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let bytes = CIFARBuilder.records([[1], [2], [3]])
        try dir.write(Array(bytes.prefix(3073 * 2 + 100)), to: "test_batch.bin")
        let text = try #require(datasetError { _ = try CIFAR10.load(directory: dir.path, split: .test) }).description
        #expect(text == dir.file("test_batch.bin")
            + ": truncated record 2 (3073 bytes each) at byte offset 6146: it needs 3073 bytes but the data ends at byte 6246 (100 bytes available)")
    }

    @Test("a truncated CIFAR-100 record gives its byte offset")
    func cifar100Truncated() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(Array(CIFARBuilder.records([[1, 1], [2, 2]]).dropLast()), to: "test.bin")
        let text = try #require(datasetError { _ = try CIFAR100.load(directory: dir.path, split: .test) }).description
        #expect(text.contains("test.bin: truncated record 1 (3074 bytes each) at byte offset 3074"))
    }

    @Test("CIFAR labels out of range are refused, including the label not kept")
    func labelsOutOfRange() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(CIFARBuilder.records([[3], [10]]), to: "test_batch.bin")
        let ten = try #require(datasetError { _ = try CIFAR10.load(directory: dir.path, split: .test) }).description
        #expect(ten.contains("test_batch.bin: label out of range: record 1 has label 10, expected 0..<10"))

        try dir.write(CIFARBuilder.records([[1, 5], [20, 5]]), to: "test.bin")
        let coarse = try #require(datasetError { _ = try CIFAR100.load(directory: dir.path, split: .test, labels: .fine) }).description
        #expect(coarse.contains("test.bin: label out of range: record 1 has label 20, expected 0..<20"))

        try dir.write(CIFARBuilder.records([[1, 100]]), to: "test.bin")
        let fine = try #require(datasetError { _ = try CIFAR100.load(directory: dir.path, split: .test) }).description
        #expect(fine.contains("record 0 has label 100, expected 0..<100"))
    }

    @Test("an empty CIFAR file is refused")
    func empty() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write([], to: "test_batch.bin")
        let text = try #require(datasetError { _ = try CIFAR10.load(directory: dir.path, split: .test) }).description
        #expect(text == dir.file("test_batch.bin") + ": the file holds no records")
    }
}
