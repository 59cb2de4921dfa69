/// The binary CIFAR record files: a fixed number of label bytes followed by a 32x32 RGB image
/// stored channel-major (1024 red, 1024 green, 1024 blue bytes), repeated with no header.
enum CIFARRecords {
    static let imageSize = 3 * 32 * 32

    /// The most records one file may hold: twice the largest official file (CIFAR-100's
    /// 50,000-image `train.bin`). A file has no header to check, so this bound is what stops a
    /// gzip stream that inflates without end, or a huge stray file, before it fills memory.
    static let maximumRecords = 100_000

    /// Reads every record of `path` (plain or gzip) and appends them as `parse` does.
    /// - Throws: `DatasetError` as `parse` does, and `.tooLarge` for a file (or inflated
    ///   stream) of more than `maximumRecords` records, refused before reading past them.
    static func read(
        _ path: String, labelClassCounts: [Int], labelIndex: Int, missingHint: String,
        images: inout [UInt8], labels: inout [Int]
    ) throws {
        let recordSize = labelClassCounts.count + imageSize
        let bytes = try DataFile.read(
            path, missingHint: missingHint, limit: maximumRecords * recordSize,
            reason: "more than \(maximumRecords) records of \(recordSize) bytes, twice the largest CIFAR file")
        try parse(bytes, path: path, labelClassCounts: labelClassCounts, labelIndex: labelIndex, images: &images, labels: &labels)
    }

    /// Parses the records in `bytes`; `path` only names the file in errors. Each record starts
    /// with one label byte per entry of `labelClassCounts` (one for CIFAR-10; coarse then fine
    /// for CIFAR-100), and every label byte must lie below its class count; `labelIndex` picks
    /// the label to keep. Pixels and labels are appended to the output arrays.
    /// - Throws: `DatasetError` naming the file: empty, a truncated record (with its byte offset)
    ///   or a label out of range.
    static func parse(
        _ bytes: [UInt8], path: String, labelClassCounts: [Int], labelIndex: Int,
        images: inout [UInt8], labels: inout [Int]
    ) throws {
        let labelBytes = labelClassCounts.count
        let recordSize = labelBytes + imageSize
        guard !bytes.isEmpty else { throw DatasetError(path: path, problem: .empty) }
        let whole = bytes.count / recordSize
        if whole * recordSize != bytes.count {
            throw DatasetError(path: path, problem: .truncated(
                record: "record \(whole) (\(recordSize) bytes each)", offset: whole * recordSize,
                needed: recordSize, fileSize: bytes.count))
        }
        images.reserveCapacity(images.count + whole * imageSize)
        labels.reserveCapacity(labels.count + whole)
        try bytes.withUnsafeBufferPointer { buffer in
            for record in 0..<whole {
                let start = record * recordSize
                for (slot, classCount) in labelClassCounts.enumerated() {
                    let label = Int(buffer[start + slot])
                    guard label < classCount else {
                        throw DatasetError(path: path, problem: .labelOutOfRange(index: record, label: label, classCount: classCount))
                    }
                }
                labels.append(Int(buffer[start + labelIndex]))
                images.append(contentsOf: buffer[(start + labelBytes)..<(start + recordSize)])
            }
        }
    }

    /// `directory` itself when it holds `probe`, else the subdirectory the official archive
    /// unpacks to (`cifar-10-batches-bin`, `cifar-100-binary`) when that holds it.
    static func resolve(_ directory: String, probe: String, archiveFolder: String) -> String {
        if DataFile.exists(join(directory, probe)) { return directory }
        let nested = join(directory, archiveFolder)
        return DataFile.exists(join(nested, probe)) ? nested : directory
    }
}

/// CIFAR-10 (Krizhevsky, 2009), binary version: 32x32 colour images in 10 classes, 50,000 for
/// training in `data_batch_1.bin` ... `data_batch_5.bin` and 10,000 for testing in
/// `test_batch.bin`. Each record is one label byte followed by 3,072 pixel bytes.
public enum CIFAR10 {
    /// The ten class names, by label.
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]
    /// The training files, in the order their records are concatenated.
    public static let trainFiles = (1...5).map { "data_batch_\($0).bin" }
    /// The test file.
    public static let testFile = "test_batch.bin"

    /// Loads one split from `directory` (or its `cifar-10-batches-bin` subdirectory).
    /// - Throws: `DatasetError` naming the file: missing, truncated record (with its byte
    ///   offset), label out of range, or empty.
    public static func load(directory: String, split: DatasetSplit) throws -> ImageDataset {
        let files = split == .train ? trainFiles : [testFile]
        let root = CIFARRecords.resolve(directory, probe: files[0], archiveFolder: "cifar-10-batches-bin")
        let hint = "Expected the CIFAR-10 binary files (\(trainFiles.joined(separator: ", ")), \(testFile)) in "
            + "\(directory), as unpacked from cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html)."
        var images: [UInt8] = []
        var labels: [Int] = []
        for file in files {
            try CIFARRecords.read(
                join(root, file), labelClassCounts: [10], labelIndex: 0, missingHint: hint,
                images: &images, labels: &labels)
        }
        return ImageDataset(
            name: "cifar10/\(split.rawValue)", images: images, labels: labels, channels: 3, height: 32, width: 32,
            classCount: 10, classNames: classNames)
    }
}

/// CIFAR-100, binary version: 32x32 colour images in 100 fine classes grouped into 20 coarse
/// ones; 50,000 training images in `train.bin`, 10,000 test images in `test.bin`. Each record is
/// a coarse label byte, a fine label byte and 3,072 pixel bytes.
public enum CIFAR100 {
    /// Which of the two labels to train on.
    public enum LabelKind: String, Sendable, CaseIterable {
        /// The 100 fine classes.
        case fine
        /// The 20 coarse super-classes.
        case coarse

        /// The number of classes of this kind.
        public var classCount: Int { self == .fine ? 100 : 20 }
    }

    /// Loads one split from `directory` (or its `cifar-100-binary` subdirectory).
    /// - Throws: `DatasetError` as for `CIFAR10.load`.
    public static func load(directory: String, split: DatasetSplit, labels kind: LabelKind = .fine) throws -> ImageDataset {
        let file = split == .train ? "train.bin" : "test.bin"
        let root = CIFARRecords.resolve(directory, probe: file, archiveFolder: "cifar-100-binary")
        let hint = "Expected the CIFAR-100 binary files (train.bin, test.bin) in \(directory), as unpacked from "
            + "cifar-100-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html)."
        var images: [UInt8] = []
        var labels: [Int] = []
        try CIFARRecords.read(
            join(root, file), labelClassCounts: [20, 100], labelIndex: kind == .coarse ? 0 : 1, missingHint: hint, images: &images, labels: &labels)
        return ImageDataset(
            name: "cifar100-\(kind.rawValue)/\(split.rawValue)", images: images, labels: labels, channels: 3,
            height: 32, width: 32, classCount: kind.classCount)
    }
}
