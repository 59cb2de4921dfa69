import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// A fresh temporary directory for one test.
private func scratchDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "lars-safetensors-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func sampleTensors() -> [(String, Tensor)] {
    var generator = SeededGenerator(seed: 17)
    return [
        ("stem.conv.weight", Tensor(normal: [4, 3, 3, 3], generator: &generator)),
        ("stem.bn.running_mean", Tensor([0.5, -1.25, 3e-8, .greatestFiniteMagnitude])),
        ("head.bias", Tensor(scalar: -0.0)),
        ("empty", Tensor(zeros: [0, 3])),
        ("optimizer/momentum.head.weight", Tensor(shape: [2, 2], scalars: [1, .leastNonzeroMagnitude, -2, .infinity])),
    ]
}

private let sampleMetadata = [
    "epoch": "3",
    "configuration": "{\"model\": \"small-cnn\", \"note\": \"tab\\there\"}\nline two",
    "unicode": "λ = 0.001, ✓",
]

private func python(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments)
}

private let pythonHasSafetensors: Bool = {
    (try? python("import numpy, safetensors.numpy", []))?.status == 0
}()

/// The error `body` throws, as text.
private func errorText(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite("Safetensors")
struct SafeTensorsTests {
    @Test("tensors and metadata round-trip exactly, in order")
    func roundTrip() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        let tensors = sampleTensors()
        try SafeTensors.write(tensors, metadata: sampleMetadata, to: path)
        let file = try SafeTensors.read(path)
        #expect(file.names == tensors.map(\.0))
        #expect(file.metadata == sampleMetadata)
        for (name, tensor) in tensors {
            let back = try #require(file.tensors[name])
            #expect(back.shape == tensor.shape)
            #expect(back.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern))
        }
        #expect(SafeTensors.encode(tensors, metadata: sampleMetadata) == SafeTensors.encode(tensors, metadata: sampleMetadata))
        let bare = try SafeTensors.decode(SafeTensors.encode([("x", Tensor([1, 2]))]), path: "mem")
        #expect(bare.metadata.isEmpty && bare.tensors["x"] == Tensor([1, 2]))
    }

    @Test("an independent reader finds the header, offsets, dtype, shapes and raw little-endian bytes")
    func independentParser() throws {
        let tensors = sampleTensors()
        let bytes = SafeTensors.encode(tensors, metadata: sampleMetadata)
        // Header length: 8 bytes, little-endian.
        var n = 0
        for i in (0..<8).reversed() { n = n << 8 | Int(bytes[i]) }
        #expect(n % 8 == 0)
        let headerBytes = Array(bytes[8..<(8 + n)])
        #expect(headerBytes.first == UInt8(ascii: "{"))
        let json = String(decoding: headerBytes, as: UTF8.self)
        let trimmed = json.reversed().drop(while: { $0 == " " })
        #expect(trimmed.first == "}")
        let header = try #require(try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any])
        #expect(header["__metadata__"] as? [String: String] == sampleMetadata)
        let dataStart = 8 + n
        var expectedOffset = 0
        for (name, tensor) in tensors {
            let entry = try #require(header[name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            #expect((entry["shape"] as? [Int]) == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets == [expectedOffset, expectedOffset + 4 * tensor.count])
            for (i, value) in tensor.scalars.enumerated() {
                let at = dataStart + offsets[0] + 4 * i
                let word = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                #expect(word == value.bitPattern)
            }
            expectedOffset = offsets[1]
        }
        #expect(bytes.count == dataStart + expectedOffset)
        #expect(header.count == tensors.count + 1)
    }

    @Test(
        "Python's safetensors and numpy read our file",
        .enabled(if: pythonHasSafetensors, "skipped: python3 cannot import numpy and safetensors (pip install safetensors)"))
    func pythonReads() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        var generator = SeededGenerator(seed: 5)
        let tensors: [(String, Tensor)] = [
            ("layer.weight", Tensor(normal: [8, 3, 3, 3], generator: &generator)),
            ("layer.bias", Tensor(uniform: [8], generator: &generator)),
            ("step", Tensor(scalar: 42)),
        ]
        try SafeTensors.write(tensors, metadata: ["epoch": "7", "note": "ok"], to: path)
        let script = """
            import sys, numpy
            from safetensors import safe_open
            from safetensors.numpy import load_file
            data = load_file(sys.argv[1])
            for name in sorted(data):
                a = data[name]
                print(name, a.dtype, list(a.shape), repr(float(a.astype(numpy.float64).sum())))
            with safe_open(sys.argv[1], framework="numpy") as f:
                print("metadata", sorted(f.metadata().items()))
            """
        let (status, output) = try python(script, [path])
        #expect(status == 0, "python3 failed: \(output)")
        let lines = output.split(separator: "\n").map(String.init)
        for (name, tensor) in tensors {
            let line = try #require(lines.first { $0.hasPrefix(name + " ") }, "no line for \(name) in \(output)")
            let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            #expect(fields[1] == "float32")
            let sum = try #require(Double(line.split(separator: " ").last!))
            let expected = tensor.scalars.reduce(0.0) { $0 + Double($1) }
            #expect(abs(sum - expected) <= 1e-9 * max(1, abs(expected)))
            #expect(line.contains("\(tensor.shape)"))
        }
        #expect(lines.contains("metadata [('epoch', '7'), ('note', 'ok')]"))
    }

    @Test(
        "a file written by Python's safetensors reads back here",
        .enabled(if: pythonHasSafetensors, "skipped: python3 cannot import numpy and safetensors (pip install safetensors)"))
    func readsPythonFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/py.safetensors"
        let script = """
            import sys, numpy
            from safetensors.numpy import save_file
            save_file({"b": numpy.arange(6, dtype=numpy.float32).reshape(2, 3) / 4,
                       "a": numpy.array([1.5, -2.0], dtype=numpy.float32)}, sys.argv[1], metadata={"k": "v"})
            """
        let (status, output) = try python(script, [path])
        #expect(status == 0, "python3 failed: \(output)")
        let file = try SafeTensors.read(path)
        #expect(file.tensors["b"] == Tensor(shape: [2, 3], scalars: [0, 0.25, 0.5, 0.75, 1, 1.25]))
        #expect(file.tensors["a"] == Tensor([1.5, -2]))
        #expect(file.metadata == ["k": "v"])
    }

    /// The valid file's bytes: one tensor "w" of shape [2] and one "b" of shape [1].
    private func small() -> [UInt8] {
        SafeTensors.encode([("w", Tensor([1, 2])), ("b", Tensor([3]))], metadata: ["epoch": "1"])
    }

    /// Builds a file from a header JSON text and `dataBytes` zero data bytes.
    private func handMade(_ json: String, dataBytes: Int) -> [UInt8] {
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        return bytes + header + [UInt8](repeating: 0, count: dataBytes)
    }

    @Test("corrupt files are refused with the file name and the problem")
    func corruptFiles() throws {
        let good = small()
        func problem(_ bytes: [UInt8]) -> String? { errorText { _ = try SafeTensors.decode(bytes, path: "ck.safetensors") } }

        #expect(problem(Array(good.prefix(5)))
            == "ck.safetensors: not a valid safetensors file: the file is 5 bytes, too short for the 8-byte header length")
        let truncated = try #require(problem(Array(good.dropLast(4))))
        #expect(truncated.hasPrefix("ck.safetensors: not a valid safetensors file:"))
        #expect(truncated.contains("tensor 'b'") && truncated.contains("beyond the"))
        let cutHeader = try #require(problem(Array(good.prefix(30))))
        #expect(cutHeader.contains("exceeds the 22 bytes after the length field"))

        var hugeLength = good
        hugeLength[7] = 0x7F
        #expect(problem(hugeLength)?.contains("header length") == true)
        var zeroLength = good
        for i in 0..<8 { zeroLength[i] = 0 }
        #expect(problem(zeroLength)?.contains("header length 0 is outside") == true)

        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\"", dataBytes: 0))?.contains("the header is not valid JSON") == true)
        #expect(problem(handMade("[1, 2]", dataBytes: 0))?.contains("the header is not a JSON object") == true)
        #expect(problem(handMade("{\"__metadata__\": {\"epoch\": 3}}", dataBytes: 0))?
            .contains("metadata value for 'epoch' is not a string") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [0, 4]}}", dataBytes: 4))?
            .contains("tensor 'w' has dtype F16; swift-lars reads F32 tensors only") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 12]}}", dataBytes: 12))?
            .contains("tensor 'w' of shape [2] needs 2 x 4 bytes but data_offsets [0, 12] span 12") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", dataBytes: 4))?
            .contains("tensor 'w' has data_offsets [0, 8] beyond the 4-byte data section") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", dataBytes: 8))?
            .contains("begin after end") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", dataBytes: 8))?
            .contains("tensor 'w' has no valid shape") == true)
        #expect(problem(handMade("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", dataBytes: 8))?
            .contains("tensor 'w' has no valid data_offsets") == true)
        let overlap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
            + "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}"
        #expect(problem(handMade(overlap, dataBytes: 12))?.contains("tensor 'b' at data_offsets [4, 12] overlaps") == true)
        let gap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
            + "\"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}"
        #expect(problem(handMade(gap, dataBytes: 12))?.contains("gap in the data section: bytes 4..<8") == true)
        #expect(problem(good + [0, 0, 0, 0])?.contains("the data section holds 16 bytes but the tensors cover only 12") == true)
        // The valid file itself still reads.
        #expect(problem(good) == nil)
    }

    @Test("a missing or unreadable file is named")
    func missingFile() throws {
        let text = try #require(errorText { _ = try SafeTensors.read("/nonexistent/dir/ck.safetensors") })
        #expect(text.hasPrefix("/nonexistent/dir/ck.safetensors: not a valid safetensors file: cannot read the file"))
    }
}
