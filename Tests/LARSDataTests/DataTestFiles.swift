import CZlib
import Foundation
@testable import LARSData

/// A fresh temporary directory for one test, removed by `cleanup()`.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "lars-data-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    /// Writes `bytes` gzip-compressed through zlib's gzwrite.
    func writeGzip(_ bytes: [UInt8], to name: String) throws {
        guard let handle = gzopen(file(name), "wb") else { throw CocoaError(.fileWriteUnknown) }
        let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(handle) == Z_OK, Int(written) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Builds IDX files of unsigned bytes.
enum IDXBuilder {
    static func bytes(dimensions: [Int], values: [UInt8], magicType: UInt8 = 0x08) -> [UInt8] {
        var out: [UInt8] = [0, 0, magicType, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
        }
        return out + values
    }

    /// `count` images of `height x width` whose pixel (i, y, x) is `(i * 31 + y * width + x) % 256`,
    /// and labels `i % classCount`.
    static func sample(count: Int, height: Int, width: Int, classCount: Int = 10) -> (images: [UInt8], labels: [UInt8]) {
        var pixels: [UInt8] = []
        for i in 0..<count {
            for p in 0..<(height * width) { pixels.append(UInt8((i * 31 + p) % 256)) }
        }
        let labels = (0..<count).map { UInt8($0 % classCount) }
        return (pixels, labels)
    }
}

/// Builds CIFAR binary records.
enum CIFARBuilder {
    /// `labels` holds one array of label bytes per record; pixels are `(record * 7 + p) % 256`.
    static func records(_ labels: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for (record, labelBytes) in labels.enumerated() {
            out += labelBytes
            for p in 0..<3072 { out.append(UInt8((record * 7 + p) % 256)) }
        }
        return out
    }

    static func pixel(record: Int, offset p: Int) -> UInt8 { UInt8((record * 7 + p) % 256) }
}

/// Catches the `DatasetError` a closure throws.
func datasetError(_ body: () throws -> Void) -> DatasetError? {
    do {
        try body()
        return nil
    } catch let error as DatasetError {
        return error
    } catch {
        return nil
    }
}

enum FileManagerShim {
    static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
