import CPNG
import Foundation
import LARSTestSupport
import Testing
@testable import LARSData

@Suite("Image folders of PNG files")
struct ImageFolderTests {
    /// `root/train/{a,b}` and `root/test/{a,b}` with 3x3 grey images.
    private func makeTree(_ dir: ScratchDirectory) throws {
        for split in ["train", "test"] {
            for (c, name) in ["b", "a"].enumerated() {
                try FileManagerShim.makeDirectory(dir.file("\(split)/\(name)"))
                for i in 0..<2 { try PNGBuilder.gray(dir.file("\(split)/\(name)/\(i).png"), size: 3, seed: c * 10 + i) }
            }
        }
    }

    @Test("grey PNG folders load with sorted class names, labels by folder and exact pixels")
    func grayTree() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try makeTree(dir)
        try dir.write([1], to: "train/a/.DS_Store")  // Hidden files are ignored.
        let train = try DatasetKind.folder.load(directory: dir.path, split: .train)
        #expect(train.classNames == ["a", "b"] && train.labels == [0, 0, 1, 1])
        #expect(train.channels == 1 && train.height == 3 && train.width == 3 && train.count == 4)
        // Folder "a" was written with seed 10 + i, "b" with seed i.
        #expect(Array(train.images[0..<9]) == (0..<9).map { UInt8(10 + $0) })
        #expect(Array(train.images[27..<36]) == (0..<9).map { UInt8(1 + $0) })
        let test = try DatasetKind.folder.load(directory: dir.path, split: .test)
        #expect(test.classNames == ["a", "b"] && test.name == "folder/test")
    }

    @Test("RGB PNGs become planar channels")
    func rgb() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManagerShim.makeDirectory(dir.file("c"))
        // 2x1 RGB: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6).
        try PNGBuilder.write(dir.file("c/x.png"), width: 2, height: 1, format: UInt32(PNG_FORMAT_RGB), pixels: [1, 2, 3, 4, 5, 6])
        let data = try ImageFolder.load(directory: dir.path, name: "rgb")
        #expect(data.channels == 3 && data.images == [1, 4, 2, 5, 3, 6] && data.classCount == 1)
    }

    @Test("malformed PNGs are refused naming the file: not a PNG, truncated, corrupt, 16-bit, alpha, huge header")
    func malformedPNG() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try FileManagerShim.makeDirectory(dir.file("c"))
        let good = dir.file(".good.png")  // Hidden: not part of the layout.
        try PNGBuilder.gray(good, size: 8, seed: 0)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: good)))
        var corrupt = bytes
        corrupt[bytes.count - 20] ^= 0xFF  // Inside the IDAT chunk: its CRC no longer matches.
        let path = dir.file("c/x.png")
        let cases: [(String, () throws -> Void, String)] = [
            ("text", { try dir.write(Array("hello".utf8), to: "c/x.png") }, ": bad magic number 68 65 6c 6c 6f, expected the PNG signature 89 50 4e 47 d a 1a a; this is not the expected file format"),
            ("truncated", { try dir.write(Array(bytes.prefix(40)), to: "c/x.png") }, ": cannot decode the image: libpng: "),
            ("corrupt", { try dir.write(corrupt, to: "c/x.png") }, ": cannot decode the image: libpng: "),
            ("16-bit", { try PNGBuilder.write(path, width: 1, height: 1, format: UInt32(PNG_FORMAT_LINEAR_Y), pixels: [0, 1]) }, ": cannot decode the image: 16-bit images are not supported; save it with 8 bits per channel"),
            ("alpha", { try PNGBuilder.write(path, width: 1, height: 1, format: UInt32(PNG_FORMAT_GA), pixels: [0, 1]) }, ": cannot decode the image: it has an alpha channel or transparency; save it as grey-scale or RGB without alpha"),
            ("huge", { try dir.write(PNGBuilder.header(width: 1_000_000, height: 1_000_000), to: "c/x.png") }, ": the data runs past 47472 bytes (the header declares 1000000x1000000 pixels, more than a 46-byte PNG can hold); refusing to read further"),
        ]
        for (name, write, expected) in cases {
            try write()
            let error = datasetError { _ = try ImageFolder.load(directory: dir.path, name: "t") }
            #expect(error?.description.hasPrefix(path + expected) == true, "\(name): \(error?.description ?? "no error")")
        }
    }

    @Test("bad folder layouts are refused naming the folder or file")
    func badLayouts() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        func refusal() -> String? { datasetError { _ = try ImageFolder.load(directory: dir.path, name: "t") }?.description }
        #expect(refusal() == dir.path + ": holds no class folders; expected one sub-folder of PNG images per class")
        try FileManagerShim.makeDirectory(dir.file("a"))
        #expect(refusal() == dir.file("a") + ": holds no PNG images; every class folder needs at least one")
        try PNGBuilder.gray(dir.file("a/0.png"), size: 3, seed: 0)
        try dir.write([1], to: "notes.txt")
        #expect(refusal() == dir.file("notes.txt") + ": is not a folder; \(dir.path) must hold only one folder of PNG images per class")
        try FileManager.default.removeItem(atPath: dir.file("notes.txt"))
        try dir.write([1], to: "a/1.jpg")
        #expect(refusal() == dir.file("a/1.jpg") + ": is not a .png file; class folders hold only PNG images")
        try FileManager.default.removeItem(atPath: dir.file("a/1.jpg"))
        try PNGBuilder.gray(dir.file("a/1.png"), size: 4, seed: 0)
        #expect(refusal() == dir.file("a/1.png") + ": images are 1x4x4 (channels x height x width), expected 1x3x3 like " + dir.file("a/0.png"))
        try PNGBuilder.write(dir.file("a/1.png"), width: 3, height: 3, format: UInt32(PNG_FORMAT_RGB), pixels: [UInt8](repeating: 7, count: 27))
        #expect(refusal() == dir.file("a/1.png") + ": images are 3x3x3 (channels x height x width), expected 1x3x3 like " + dir.file("a/0.png"))
        let missing = datasetError { _ = try ImageFolder.load(root: dir.file("none"), split: .train) }
        #expect(missing?.path == dir.file("none") + "/train")
    }

    @Test("a test class folder that the training split lacks is refused naming it")
    func unknownTestClass() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try makeTree(dir)
        try FileManagerShim.makeDirectory(dir.file("test/zebra"))
        try PNGBuilder.gray(dir.file("test/zebra/0.png"), size: 3, seed: 0)
        let error = datasetError { _ = try DatasetKind.folder.load(directory: dir.path, split: .test) }
        #expect(error?.description == dir.file("test/zebra") + ": is not one of the 2 training classes (a, b)")
    }
}
