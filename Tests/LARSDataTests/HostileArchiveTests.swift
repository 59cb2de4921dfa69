import CZlib
import Foundation
import Glibc
import LARSTestSupport
import Testing
@testable import LARSData

/// Round two of hostile data (issue #24): label values that would size a model, `.npz` members
/// that inflate far past what their header describes, cut or misdirected zip records, and paths
/// that are not regular files. Each is refused with a message naming the file and the problem,
/// having allocated no more than a bounded amount.
@Suite("Hostile NumPy data, archives and paths")
struct HostileArchiveTests {
    /// Two 2x2 grey images (uint8) with the given int64 labels, as the four Keras `.npy` files.
    private func npyDirectory(trainLabels: [Int64], testLabels: [Int64] = [0, 1]) throws -> ScratchDirectory {
        let dir = try ScratchDirectory()
        func images(_ n: Int) -> [UInt8] { NumPyBuilder.npy(descriptor: "|u1", shape: [n, 2, 2], payload: [UInt8](repeating: 7, count: n * 4)) }
        func labels(_ values: [Int64]) -> [UInt8] { NumPyBuilder.npy(descriptor: "<i8", shape: [values.count], payload: NumPyBuilder.int64Bytes(values)) }
        try dir.write(images(trainLabels.count), to: "x_train.npy")
        try dir.write(labels(trainLabels), to: "y_train.npy")
        try dir.write(images(testLabels.count), to: "x_test.npy")
        try dir.write(labels(testLabels), to: "y_test.npy")
        return dir
    }

    @Test("a label of Int64.max or 1e9 is refused as too many classes, before any class count is formed",
          arguments: [Int64.max, 1_000_000_000, Int64(NumPyDataset.maximumClassCount)])
    func hugeLabel(label: Int64) throws {
        let dir = try npyDirectory(trainLabels: [0, label])
        defer { dir.cleanup() }
        let error = datasetError { _ = try NumPyDataset.load(dir.path, split: .test) }
        #expect(error?.description == dir.file("y_train.npy")
            + ": record 1 has label \(label), which would make \(label) + 1 classes; at most 65536 classes are supported")
    }

    @Test("the largest allowed label loads, with that many classes")
    func largestLabel() throws {
        let largest = Int64(NumPyDataset.maximumClassCount - 1)
        let dir = try npyDirectory(trainLabels: [0, largest])
        defer { dir.cleanup() }
        #expect(try NumPyDataset.load(dir.path, split: .train).classCount == NumPyDataset.maximumClassCount)
    }

    /// An `.npz` whose `x_train.npy` member is `header` followed by `zeros` zero bytes, deflated,
    /// with its true sizes declared, beside small valid label members.
    private func bombArchive(header: [UInt8], zeros: Int) throws -> ScratchDirectory {
        let dir = try ScratchDirectory()
        let (body, crc) = NumPyBuilder.deflatedZeros(after: header, zeros: zeros)
        let labels = NumPyBuilder.npy(descriptor: "<i8", shape: [2], payload: NumPyBuilder.int64Bytes([0, 1]))
        let labelCRC = labels.withUnsafeBufferPointer { Int(crc32_z(0, $0.baseAddress, $0.count)) }
        try dir.write(NumPyBuilder.zip(raw: [
            ("y_train.npy", labels, labelCRC, labels.count, 0),
            ("x_train.npy", body, crc, header.count + zeros, 8),
        ]), to: "d.npz")
        return dir
    }

    @Test("an .npz member whose .npy header describes 8 bytes but which inflates to 200 MB is refused by its header, uninflated")
    func bombBehindASmallHeader() throws {
        let header = NumPyBuilder.npy(descriptor: "|u1", shape: [2, 2, 2], payload: [])
        let zeros = 200 << 20
        let dir = try bombArchive(header: header, zeros: zeros)
        defer { dir.cleanup() }
        let before = peakResidentBytes()
        let error = datasetError { _ = try NumPyDataset.load(dir.file("d.npz"), split: .train) }
        #expect(peakResidentBytes() - before < 64 << 20)
        #expect(error?.description == dir.file("d.npz") + "[x_train.npy]: bad header: the archive declares \(header.count + zeros) bytes "
            + "for the member, but its .npy header describes \(header.count + 8) (shape [2, 2, 2], |u1)")
    }

    @Test("an .npz image member of 200 MB whose header has an image-less shape is refused before it is inflated")
    func bombWithAnHonestHeader() throws {
        let zeros = 200 << 20
        let header = NumPyBuilder.npy(descriptor: "|u1", shape: [zeros], payload: [])
        let dir = try bombArchive(header: header, zeros: zeros)
        defer { dir.cleanup() }
        let before = peakResidentBytes()
        let error = datasetError { _ = try NumPyDataset.load(dir.file("d.npz"), split: .train) }
        #expect(peakResidentBytes() - before < 64 << 20)
        #expect(error?.description == dir.file("d.npz")
            + "[x_train.npy]: bad header: images have shape [\(zeros)]; expected [N, H, W], [N, C, H, W], [N, H, W, C] or [N, F]")
    }

    @Test("an .npz cut inside its central directory is named truncated, not a bad magic number")
    func truncatedArchive() throws {
        let member = NumPyBuilder.npy(descriptor: "|u1", shape: [1, 2, 2], payload: [1, 2, 3, 4])
        let zip = NumPyBuilder.zip([("x.npy", member)], deflate: false)
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(Array(zip.dropLast(30)), to: "a.npz")
        let error = datasetError { _ = try NumPyArchive(contentsOf: dir.file("a.npz")) }
        #expect(error?.description == dir.file("a.npz") + ": bad header: a zip archive without its end-of-central-directory record: "
            + "the file is truncated (cut short or still being written)")
    }

    @Test("a local header offset past the end says so, with no negative byte count")
    func offsetPastTheEnd() throws {
        let member = NumPyBuilder.npy(descriptor: "|u1", shape: [1, 2, 2], payload: [1, 2, 3, 4])
        var zip = NumPyBuilder.zip([("x.npy", member)], deflate: false)
        zip[zip.count - 22 - 46 - 5 + 45] = 0x80  // The entry's local header offset: 2 GiB.
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(zip, to: "a.npz")
        let error = datasetError { _ = try NumPyArchive(contentsOf: dir.file("a.npz")).array("x") }
        #expect(error?.description == dir.file("a.npz")
            + ": local header of member 'x.npy' would start at byte offset 2147483648, past the end of the data at byte \(zip.count)")
    }

    /// The error loading a folder data set whose one image is the path `make` creates.
    private func folderError(_ make: (String) -> Int32) throws -> (String, String?) {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.file("a"), withIntermediateDirectories: true)
        let path = dir.file("a/x.png")
        #expect(make(path) == 0)
        return (path, datasetError { _ = try ImageFolder.load(directory: dir.path, name: "t") }?.description)
    }

    @Test("a FIFO, a link to /dev/zero, a symbolic-link loop and a dangling link named .png say what they are")
    func notRegularFiles() throws {
        let fifo = try folderError { mkfifo($0, 0o644) }
        #expect(fifo.1 == fifo.0 + ": is a FIFO (named pipe), not a regular file")
        let device = try folderError { symlink("/dev/zero", $0) }
        #expect(device.1 == device.0 + ": is a character device (such as /dev/zero), not a regular file")
        let loop = try folderError { symlink($0, $0) }
        #expect(loop.1 == loop.0 + ": is a loop of symbolic links, not a regular file")
        let dangling = try folderError { symlink("/nonexistent/never", $0) }
        #expect(dangling.1 == dangling.0 + ": is a symbolic link to a file that does not exist, not a regular file")
    }

    @Test("an .npy label file that is a FIFO is named as one")
    func fifoLabels() throws {
        let dir = try npyDirectory(trainLabels: [0, 1])
        defer { dir.cleanup() }
        unlink(dir.file("y_train.npy"))
        #expect(mkfifo(dir.file("y_train.npy"), 0o644) == 0)
        let error = datasetError { _ = try NumPyDataset.load(dir.path, split: .train) }
        #expect(error?.description == dir.file("y_train.npy") + ": is a FIFO (named pipe), not a regular file")
    }
}
