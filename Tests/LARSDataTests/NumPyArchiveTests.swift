import Foundation
import LARSTestSupport
import Testing
@testable import LARSData

@Suite("NumPy .npz archives")
struct NumPyArchiveTests {
    private let member = NumPyBuilder.npy(descriptor: "<f4", shape: [1, 2, 2], payload: NumPyBuilder.floatBytes([1, 2, 3, 4]))

    /// Writes `bytes` as `a.npz` and returns the error reading array `x` from it.
    private func refusal(_ bytes: [UInt8]) throws -> (String, String?) {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(bytes, to: "a.npz")
        let error = datasetError { _ = try NumPyArchive(contentsOf: dir.file("a.npz")).array("x") }
        return (dir.file("a.npz"), error?.description)
    }

    /// Offset of the central directory entry of a one-member archive built by `NumPyBuilder.zip`.
    private func directoryOffset(_ zip: [UInt8]) -> Int { zip.count - 22 - 46 - "x.npy".utf8.count }

    @Test("stored and deflated members read back the same array", arguments: [false, true])
    func roundTrip(deflate: Bool) throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        try dir.write(NumPyBuilder.zip([("x.npy", member), ("y.npy", member)], deflate: deflate), to: "a.npz")
        let archive = try NumPyArchive(contentsOf: dir.file("a.npz"))
        #expect(archive.names == ["x", "y"])
        let x = try archive.array("x")
        #expect(x.shape == [1, 2, 2] && x.dtype == .float32 && x.floatValues() == [1, 2, 3, 4])
        let missing = datasetError { _ = try archive.array("z") }
        #expect(missing?.description == dir.file("a.npz") + "[z.npy]: file not found. The archive holds x, y.")
    }

    @Test("a file that is not a zip archive is refused naming it")
    func notZip() throws {
        let (path, error) = try refusal(member)
        #expect(error == path + ": bad magic number 93 4e 55 4d, expected a zip archive (NumPy .npz); this is not the expected file format")
    }

    @Test("a corrupt member fails its CRC-32 check")
    func crcMismatch() throws {
        var zip = NumPyBuilder.zip([("x.npy", member)], deflate: false)
        zip[30 + 5 + member.count - 1] ^= 0xFF  // The last value byte of the stored member.
        let (path, error) = try refusal(zip)
        #expect(error?.hasPrefix(path + ": bad header: member 'x.npy' fails its CRC-32 check") == true)
    }

    @Test("a deflated member declaring more than deflate's 1032:1 ratio is refused before allocating")
    func bombDeclaration() throws {
        var zip = NumPyBuilder.zip([("x.npy", member)], deflate: true)
        let entry = directoryOffset(zip)
        for i in 0..<4 { zip[entry + 24 + i] = 0xFF }  // Uncompressed size 4 GiB - 1.
        let before = peakResidentBytes()
        let (path, error) = try refusal(zip)
        #expect(error?.hasPrefix(path + ": the data runs past ") == true)
        #expect(error?.contains("member 'x.npy' declares 4294967295 bytes") == true)
        #expect(peakResidentBytes() - before < 1 << 30)
    }

    @Test("a deflated member declaring a size its .npy header does not describe is refused by the header")
    func wrongDeclaredSize() throws {
        for delta in [-1, 1] {
            var zip = NumPyBuilder.zip([("x.npy", member)], deflate: true)
            let entry = directoryOffset(zip)
            let declared = member.count + delta
            for i in 0..<4 { zip[entry + 24 + i] = UInt8(declared >> (8 * i) & 0xFF) }
            let (path, error) = try refusal(zip)
            #expect(error == path + "[x.npy]: bad header: the archive declares \(declared) bytes for the member, "
                + "but its .npy header describes \(member.count) (shape [1, 2, 2], <f4)")
        }
    }

    @Test("a deflated stream that ends short of, or runs past, its header's size is refused")
    func streamDisagreesWithHeader() throws {
        let header = NumPyBuilder.npy(descriptor: "|u1", shape: [1, 2, 2], payload: [])
        for (zeros, expected) in [(3, "inflates to \(header.count + 3) bytes, declared \(header.count + 4)"), (5, "inflates past")] {
            let (body, crc) = NumPyBuilder.deflatedZeros(after: header, zeros: zeros)
            let (path, error) = try refusal(NumPyBuilder.zip(raw: [("x.npy", body, crc, header.count + 4, 8)]))
            #expect(error?.hasPrefix(path + ": corrupt gzip stream: member 'x.npy' \(expected)") == true, "\(error ?? "nil")")
        }
    }

    @Test("directory fields pointing past the end, encryption and unknown methods are refused")
    func badDirectoryFields() throws {
        let base = NumPyBuilder.zip([("x.npy", member)], deflate: false)
        let entry = directoryOffset(base)
        var pastEnd = base
        pastEnd[entry + 42 + 3] = 0x10  // Local header offset far past the end.
        var encrypted = base
        encrypted[entry + 8] = 1
        var method = base
        method[entry + 10] = 12
        var count = base
        count[count.count - 22 + 10] = 0xFF  // 255 members in a 51-byte directory.
        let expectations: [([UInt8], String)] = [
            (pastEnd, ": local header of member 'x.npy' would start at byte offset 268435456, past the end of the data at byte \(base.count)"),
            (encrypted, ": bad header: member 'x.npy' is encrypted"),
            (method, ": bad header: member 'x.npy' uses compression method 12; only stored (0) and deflated (8) members are supported"),
            (count, ": bad header: 255 members cannot fit a 51-byte directory"),
        ]
        for (bytes, expected) in expectations {
            let (path, error) = try refusal(bytes)
            #expect(error == path + expected)
        }
    }

    @Test("arrays written by NumPy itself (np.savez_compressed, np.save) read back exactly (skipped without python3 and numpy)")
    func realNumPy() throws {
        let dir = try ScratchDirectory()
        defer { dir.cleanup() }
        let script = """
            import numpy as np, sys
            d = sys.argv[1]
            x = (np.arange(2 * 5 * 4 * 3) % 251).astype(np.uint8).reshape(2, 5, 4, 3)
            np.savez_compressed(d + '/c.npz', x_train=x, y_train=np.array([3, 1]), x_test=x[:1], y_test=np.array([0]))
            np.save(d + '/f.npy', np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4))
            """
        let run = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script, dir.path])
        guard run.status == 0 else {
            print("skipped: python3 with numpy is not available (\(run.output.prefix(200)))")
            return
        }
        let train = try DatasetKind.npy.load(directory: dir.file("c.npz"), split: .train)
        #expect(train.channels == 3 && train.height == 5 && train.width == 4 && train.labels == [3, 1] && train.classCount == 4)
        // NHWC value (n, y, x, c) = (((n*5 + y)*4 + x)*3 + c) % 251 lands at NCHW (n, c, y, x).
        let nchw: Int = (1 * 3 + 2) * 20 + 3 * 4 + 1
        let nhwc: Int = ((1 * 5 + 3) * 4 + 1) * 3 + 2
        #expect(train.images[nchw] == UInt8(nhwc % 251))
        let floats = try NumPyArray(contentsOf: dir.file("f.npy"))
        #expect(floats.shape == [2, 3, 4] && floats.floatValues()?.first == -1 && floats.floatValues()?.last == 1)
    }
}
