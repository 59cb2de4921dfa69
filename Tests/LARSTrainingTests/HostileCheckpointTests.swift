import Foundation
import LARSTestSupport
import Testing
@testable import LARSTraining

/// Safetensors files and checkpoints crafted to make the reader trap or exhaust memory (issue
/// #15): each must be refused with an error naming the file and the problem.
@Suite("Hostile safetensors and checkpoints")
struct HostileCheckpointTests {
    /// A file whose header is `json` (padded to 8 bytes) followed by `dataBytes` zero bytes.
    private func file(_ json: String, dataBytes: Int = 8) -> [UInt8] {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        return bytes + header + [UInt8](repeating: 0, count: dataBytes)
    }

    private func problem(_ bytes: [UInt8]) -> String? {
        do {
            _ = try SafeTensors.decode(bytes, path: "h.safetensors")
            return nil
        } catch let error as SafeTensorsError {
            #expect(error.path == "h.safetensors")
            return error.problem
        } catch {
            return "unexpected error \(error)"
        }
    }

    private func tensor(shape: String, offsets: String) -> String {
        "{\"w\":{\"dtype\":\"F32\",\"shape\":\(shape),\"data_offsets\":\(offsets)}}"
    }

    @Test("shapes whose byte or element count overflows are refused, not trapped on")
    func overflowingShapes() {
        #expect(problem(file(tensor(shape: "[2305843009213693952]", offsets: "[0, 8]")))
            == "tensor 'w' of shape [2305843009213693952] needs 2305843009213693952 x 4 bytes but data_offsets [0, 8] span 8")
        #expect(problem(file(tensor(shape: "[2147483648, 2147483648]", offsets: "[0, 8]")))
            == "tensor 'w' of shape [2147483648, 2147483648] needs 4611686018427387904 x 4 bytes but data_offsets [0, 8] span 8")
        #expect(problem(file(tensor(shape: "[4611686018427387904, 4]", offsets: "[0, 8]")))
            == "tensor 'w' has shape [4611686018427387904, 4], whose element count overflows")
        // A zero dimension first makes the product zero, which does not overflow.
        #expect(problem(file(tensor(shape: "[0, 4611686018427387904, 4]", offsets: "[0, 0]"), dataBytes: 0)) == nil)
    }

    @Test("offsets past the end of the data section are refused")
    func offsetsPastTheEnd() {
        #expect(problem(file(tensor(shape: "[2]", offsets: "[0, 9223372036854775807]")))
            == "tensor 'w' has data_offsets [0, 9223372036854775807] beyond the 8-byte data section")
        #expect(problem(file(tensor(shape: "[2]", offsets: "[9223372036854775807, 8]")))
            == "tensor 'w' has data_offsets [9223372036854775807, 8] with begin after end")
        #expect(problem(file(tensor(shape: "[2]", offsets: "[0, 18446744073709551615]")))
            == "tensor 'w' has no valid data_offsets (two non-negative integers)")
        #expect(problem(file(tensor(shape: "[2]", offsets: "[-8, 0]")))
            == "tensor 'w' has no valid data_offsets (two non-negative integers)")
    }

    @Test("a header length that is negative as a signed number, or past the file, is refused")
    func hostileHeaderLengths() {
        var bytes = file(tensor(shape: "[2]", offsets: "[0, 8]"))
        let available = bytes.count - 8
        for length: UInt64 in [.max, 1 << 63, UInt64(available) + 1] {
            withUnsafeBytes(of: length.littleEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
            #expect(problem(bytes) == "header length \(length) exceeds the \(available) bytes after the length field "
                + "(file truncated or not safetensors)")
        }
    }

    @Test("a 2 GiB sparse file is refused without being read", arguments: [false, true])
    func hugeSparseFile(validHeader: Bool) throws {
        let dir = temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/huge.safetensors"
        // Either all zeros (header length 0) or a valid one-tensor file followed by 2 GiB of hole.
        if validHeader { try SafeTensors.write([("w", Tensor([1, 2]))], to: path) }
        try extendSparse(path, to: 1 << 31)
        let before = peakResidentBytes()
        let error = try #require(throws: SafeTensorsError.self) { _ = try SafeTensors.read(path) }
        #expect(peakResidentBytes() - before < 100 << 20)
        #expect(error.path == path)
        if validHeader {
            #expect(error.problem.hasPrefix("the data section holds ") && error.problem.hasSuffix(
                " bytes but the tensors cover only 8 (trailing bytes or a wrong header)"))
        } else {
            #expect(error.problem == "header length 0 is outside 1...100000000")
        }
    }

    @Test("a 2 GiB sparse file passed to a trainer as a checkpoint is refused without being read")
    func hugeCheckpoint() throws {
        let dir = temporaryDirectory("hostile-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trainer = try Trainer(
            configuration: quickConfiguration(output: dir, epochs: 1), trainSet: syntheticImages(count: 64, seed: 1),
            testSet: syntheticImages(count: 8, seed: 2))
        try extendSparse(dir + "/huge.safetensors", to: 1 << 31)
        let before = peakResidentBytes()
        let error = try #require(throws: SafeTensorsError.self) { try trainer.loadCheckpoint(from: dir + "/huge.safetensors") }
        #expect(peakResidentBytes() - before < 100 << 20)
        #expect("\(error)" == dir + "/huge.safetensors: not a valid safetensors file: header length 0 is outside 1...100000000")
        #expect(trainer.completedEpochs == 0)
    }

    @Test("checkpoint metadata that does not parse is refused naming the entry")
    func badMetadata() throws {
        let configuration = String(decoding: try JSONEncoder().encode(TrainingConfiguration()), as: UTF8.self)
        let good = [
            "format": Trainer.checkpointFormat, "configuration": configuration, "epoch": "2",
            "generator": "1,2,3,4", "optimizer_scalars": "{\"step\": 3}",
            "step": "3", "normalization": "n", "data": "d", "tensors_hash": "h",
        ]
        let parsed = try CheckpointMetadata.parse(good, path: "c")
        #expect(parsed.epoch == 2 && parsed.generatorWords == [1, 2, 3, 4] && parsed.optimizerScalars == ["step": 3])
        func problem(_ key: String, _ value: String?) -> String {
            var metadata = good
            metadata[key] = value
            do {
                _ = try CheckpointMetadata.parse(metadata, path: "c")
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("format", nil) == "c: metadata has no 'format' entry; not a swift-lars checkpoint")
        #expect(problem("format", "x") == "c: format 'x', expected '\(Trainer.checkpointFormat)'")
        #expect(problem("epoch", "-1") == "c: epoch '-1' is not an epoch count")
        #expect(problem("epoch", "99999999999999999999") == "c: epoch '99999999999999999999' is not an epoch count")
        #expect(problem("generator", "0,0,0,0") == "c: generator state '0,0,0,0' is not four words")
        #expect(problem("generator", "1,2,3,18446744073709551616") == "c: generator state '1,2,3,18446744073709551616' is not four words")
        #expect(problem("configuration", "{") == "c: configuration metadata is not a JSON object")
        #expect(problem("optimizer_scalars", "[1]").hasPrefix("c: optimizer_scalars metadata is not valid: "))
        #expect(problem("optimizer_scalars", "{x") == "c: optimizer_scalars metadata is not valid: the text is not valid JSON")
        #expect(problem("configuration", "not json") == "c: configuration metadata is not a JSON object")
        #expect(problem("tensors_hash", nil)
            == "c: metadata has no 'tensors_hash' entry, which every \(Trainer.checkpointFormat) checkpoint holds: the file was edited or damaged")
    }
}
