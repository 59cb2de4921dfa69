import Foundation
import LARSTestSupport
import Testing
@testable import LARSData

/// Files crafted to make a reader trap or exhaust memory (issue #15): each must be refused with a
/// `DatasetError` naming the file and the problem, having read no more than a bounded amount.
@Suite("Hostile data files")
struct HostileInputTests {
    /// An IDX header of rank 3 with the given 32-bit sizes and no data.
    private func idx3Header(_ count: UInt32, _ rows: UInt32, _ cols: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 8, 3]
        for d in [count, rows, cols] { withUnsafeBytes(of: d.bigEndian) { bytes += $0 } }
        return bytes
    }

    @Test("IDX sizes whose product overflows (rows = cols = 0xFFFFFFFF) are a bad header, in memory and on disk", arguments: [false, true])
    func overflowingDimensions(gzip: Bool) throws {
        let expected = "dimension sizes [1, 4294967295, 4294967295] describe more than 9223372036854775807 bytes"
        let header = idx3Header(1, 0xFFFF_FFFF, 0xFFFF_FFFF)
        let inMemory = datasetError { _ = try IDXFile.parse(header + [1, 2, 3], path: "x.idx", rank: 3) }
        #expect(inMemory?.description == "x.idx: bad header: " + expected)

        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let name = gzip ? "x.idx.gz" : "x.idx"
        if gzip { try dir.writeGzip(header, to: name) } else { try dir.write(header, to: name) }
        let onDisk = datasetError { _ = try IDXFile.read(dir.file(name), rank: 3, missingHint: "") }
        #expect(onDisk?.description == dir.file(name) + ": bad header: " + expected)
    }

    @Test("an IDX header announcing 4 GiB in a 16-byte file is truncated, refused before reading")
    func hugeDeclaredCount() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(idx3Header(0xFFFF_FFFF, 1, 1), to: "big.idx")
        let before = peakResidentBytes()
        let error = datasetError { _ = try IDXFile.read(dir.file("big.idx"), rank: 3, missingHint: "") }
        #expect(error?.description == dir.file("big.idx")
            + ": truncated item 0 of 4294967295 at byte offset 16: it needs 1 bytes but the data ends at byte 16 (0 bytes available)")
        #expect(peakResidentBytes() - before < 100 << 20)
    }

    @Test("a gzip bomb (8 MiB of zeros behind a 10-label IDX header) stops inflating past the declared size")
    func gzipBomb() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let header: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 10]
        try dir.writeGzip(header + [UInt8](repeating: 0, count: 8 << 20), to: "bomb.gz")
        let path = dir.file("bomb.gz")
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < 64 << 10)  // It really is a bomb: a small file that inflates 8 MiB.
        let error = datasetError { _ = try IDXFile.read(path, rank: 1, missingHint: "") }
        let limit = 8 + 10 + IDXFile.trailingAllowance
        #expect(error?.problem == .tooLarge(limit: limit, reason: "the IDX header declares 18 bytes"))
        #expect(error?.description == path
            + ": the data runs past \(limit) bytes (the IDX header declares 18 bytes); refusing to read further")
    }

    @Test("a few trailing bytes in a gzip IDX file are still counted exactly")
    func gzipTrailingBytes() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.writeGzip([0, 0, 8, 1, 0, 0, 0, 2, 4, 5, 6, 7, 8], to: "labels.gz")
        let error = datasetError { _ = try IDXFile.read(dir.file("labels.gz"), rank: 1, missingHint: "") }
        #expect(error?.description == dir.file("labels.gz") + ": 3 unexpected bytes after the last record, from byte offset 10")
        // The same file without them reads.
        try dir.writeGzip([0, 0, 8, 1, 0, 0, 0, 2, 4, 5], to: "good.gz")
        #expect(try IDXFile.read(dir.file("good.gz"), rank: 1, missingHint: "").values == [4, 5])
    }

    @Test("a gzip stream is bounded by the caller's limit, a plain file by its size before it is read")
    func boundedWholeFileRead() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.writeGzip([UInt8](repeating: 0, count: 4 << 20), to: "zeros.gz")
        let gzipError = datasetError { _ = try DataFile.read(dir.file("zeros.gz"), missingHint: "", limit: 1000, reason: "a test bound") }
        #expect(gzipError?.description == dir.file("zeros.gz") + ": the data runs past 1000 bytes (a test bound); refusing to read further")
        #expect(try DataFile.read(dir.file("zeros.gz"), missingHint: "", limit: 4 << 20, reason: "").count == 4 << 20)

        try extendSparse(dir.file("sparse.bin"), to: 1 << 31)
        let before = peakResidentBytes()
        let plainError = datasetError { _ = try DataFile.read(dir.file("sparse.bin"), missingHint: "", limit: 1000, reason: "a test bound") }
        #expect(plainError?.problem == .tooLarge(limit: 1000, reason: "a test bound"))
        #expect(peakResidentBytes() - before < 100 << 20)
    }

    @Test("a CIFAR file of more records than any real one is refused before it is read")
    func hugeCIFARFile() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try extendSparse(dir.file("test_batch.bin"), to: (CIFARRecords.maximumRecords + 1) * 3073)
        let before = peakResidentBytes()
        let error = datasetError { _ = try CIFAR10.load(directory: dir.path, split: .test) }
        #expect(error?.description == dir.file("test_batch.bin")
            + ": the data runs past 307300000 bytes (more than 100000 records of 3073 bytes, twice the largest CIFAR file); "
            + "refusing to read further")
        #expect(peakResidentBytes() - before < 100 << 20)
    }
}
