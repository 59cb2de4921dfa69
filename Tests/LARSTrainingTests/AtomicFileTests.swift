import Foundation
import Testing
@testable import LARSTraining

#if canImport(Glibc)
import Glibc
#endif

/// Set in the child process of the SIGKILL test: the checkpoint path it overwrites slowly.
private let killChildPath = ProcessInfo.processInfo.environment["LARS_ATOMIC_KILL_CHILD"]

/// The checkpoint the killed child tries to write: 4 MB, written 16 kB every 10 ms, so the
/// write would take 2.5 s.
private func bigCheckpoint() -> [UInt8] {
    SafeTensors.encode([("w", Tensor(repeating: 2, shape: [1_000_000]))], metadata: ["epoch": "2"])
}

private func scratchDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "lars-atomic-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

@Suite("Atomic file writes")
struct AtomicFileTests {
    @Test("a write creates, then replaces, the file and leaves no temporary file")
    func writeAndReplace() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/ck.bin"
        try AtomicFile.write([1, 2, 3], to: path)
        #expect(try contents(path) == [1, 2, 3])
        try AtomicFile.write(Array(repeating: 9, count: 100_000), to: path)
        #expect(try contents(path) == Array(repeating: 9, count: 100_000))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["ck.bin"])
        #expect(AtomicFile.temporaryPrefix(for: "/a/b/ck.bin") == "/a/b/.ck.bin.tmp-")
        #expect(AtomicFile.temporaryPrefix(for: "ck.bin") == ".ck.bin.tmp-")
    }

    @Test("a write killed half way leaves the previous checkpoint readable and unchanged")
    func killedWriteKeepsOldFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/last.safetensors"
        var generator = SeededGenerator(seed: 1)
        let old: [(String, Tensor)] = [("w", Tensor(normal: [64, 64], generator: &generator))]
        try SafeTensors.write(old, metadata: ["epoch": "1"], to: path)
        let oldBytes = try contents(path)

        let new = SafeTensors.encode([("w", Tensor(normal: [64, 64], generator: &generator))], metadata: ["epoch": "2"])
        #expect(throws: AtomicFileError.self) { try AtomicFile.write(new, to: path, crashAfter: new.count / 2) }

        // The target is byte-for-byte the old checkpoint and still reads.
        #expect(try contents(path) == oldBytes)
        let back = try SafeTensors.read(path)
        #expect(back.metadata["epoch"] == "1" && back.tensors["w"] == old[0].1)
        // The half-written temporary file is what a killed process leaves; it is not the target.
        let strays = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".last.safetensors.tmp-") }
        #expect(strays.count == 1)
        #expect(try contents(dir + "/" + strays[0]).count == new.count / 2)
        #expect(throws: SafeTensorsError.self) { try SafeTensors.read(dir + "/" + strays[0]) }

        // The next write succeeds and replaces the file.
        try AtomicFile.write(new, to: path)
        #expect(try SafeTensors.read(path).metadata["epoch"] == "2")
    }

    @Test("a write into a missing directory throws, naming the file")
    func missingDirectory() throws {
        let error = try #require(throws: AtomicFileError.self) {
            try AtomicFile.write([1], to: "/nonexistent-lars-dir/ck.bin")
        }
        #expect(error.description.hasPrefix("/nonexistent-lars-dir/.ck.bin.tmp-"))
        #expect(error.description.contains("creating the temporary file failed: No such file or directory"))
    }

    @Test(
        "helper run in a child process by the SIGKILL test: writes a checkpoint slowly",
        .enabled(if: killChildPath != nil, "skipped: runs only as the child of the SIGKILL test"))
    func slowChildWriter() throws {
        try AtomicFile.write(bigCheckpoint(), to: killChildPath!, crashAfter: nil, chunkSize: 1 << 14) { _ in
            usleep(10_000)
        }
    }

    @Test("a process killed with SIGKILL while writing leaves the previous checkpoint intact")
    func sigkillMidWrite() throws {
        guard killChildPath == nil else { return }  // Not inside the child itself.
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/last.safetensors"
        let old: [(String, Tensor)] = [("w", Tensor([1, 2, 3]))]
        try SafeTensors.write(old, metadata: ["epoch": "1"], to: path)
        let oldBytes = try contents(path)

        // Run this test binary again, selecting only the slow writer, and kill it mid-write.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        child.arguments = ["--testing-library", "swift-testing", "--filter", "AtomicFileTests/slowChildWriter"]
        child.environment = ProcessInfo.processInfo.environment.merging(["LARS_ATOMIC_KILL_CHILD": path]) { $1 }
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        let total = bigCheckpoint().count
        var partial: (name: String, size: Int)?
        let deadline = Date().addingTimeInterval(60)
        while partial == nil && child.isRunning && Date() < deadline {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasPrefix(".last.safetensors.tmp-") {
                let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0
                if size >= 1 << 18 { partial = (name, size) }
            }
            usleep(5_000)
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let caught = try #require(partial, "the child never got 256 kB into its write")
        #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)

        #expect(try contents(path) == oldBytes)
        let back = try SafeTensors.read(path)
        #expect(back.metadata["epoch"] == "1" && back.tensors["w"] == old[0].1)
        let leftover = try contents(dir + "/" + caught.name)
        #expect(leftover.count >= caught.size && leftover.count < total)
    }
}
