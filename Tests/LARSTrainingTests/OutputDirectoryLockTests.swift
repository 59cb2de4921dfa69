import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// The output directory's lock and tidying: one run at a time, no silent truncation of another
/// run's logs, no leftover temporary files.
@Suite struct OutputDirectoryLockTests {
    func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func aSecondLockOnTheSameDirectoryIsRefusedNamingTheHolder() throws {
        let directory = temporaryDirectory("lock-twice")
        var first: OutputDirectoryLock? = try OutputDirectoryLock(directory: directory, intent: .fresh)
        #expect { try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: directory + "/checkpoint.safetensors")) } throws: {
            "\($0)".contains("in use by another run (process \(getpid()))")
        }
        #expect(first != nil)
        first = nil
        // Released with its object: the directory is free again.
        _ = try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: directory + "/checkpoint.safetensors"))
    }

    @Test func aFreshRunRefusesAnotherRunsFilesAndLeavesThemIntact() throws {
        let directory = temporaryDirectory("lock-fresh")
        let files = RunFiles(directory: directory)
        try write("epoch,step\n1,10\n", to: files.metrics)
        #expect { try OutputDirectoryLock(directory: directory, intent: .fresh) } throws: {
            "\($0)".contains("holds another run's files (metrics.csv)") && "\($0)".contains("--overwrite")
        }
        #expect(try String(contentsOfFile: files.metrics, encoding: .utf8) == "epoch,step\n1,10\n")
        // Resuming keeps them; overwriting removes every run file and nothing else.
        _ = try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: directory + "/checkpoint.safetensors"))
        #expect(FileManager.default.fileExists(atPath: files.metrics))
        try write("mine", to: directory + "/notes.txt")
        try write("x", to: files.best)
        let overwriting = try OutputDirectoryLock(directory: directory, intent: .overwrite)
        // Nothing is removed until the new run is known to start.
        #expect(FileManager.default.fileExists(atPath: files.metrics))
        overwriting.removeRunFiles()
        #expect(!FileManager.default.fileExists(atPath: files.metrics))
        #expect(!FileManager.default.fileExists(atPath: files.best))
        #expect(FileManager.default.fileExists(atPath: directory + "/notes.txt"))
    }

    @Test func leftoverTemporaryFilesOfAtomicWritesAreRemoved() throws {
        let directory = temporaryDirectory("lock-temporaries")
        let files = RunFiles(directory: directory)
        // As a write killed mid-way leaves them: AtomicFile's own naming, checked by a crash.
        #expect(throws: AtomicFileError.self) {
            try AtomicFile.write([UInt8](repeating: 7, count: 1000), to: files.checkpoint, crashAfter: 100)
        }
        let stray = AtomicFile.temporaryPrefix(for: files.report) + "123-abc"
        try write("<html>", to: stray)
        let unrelated = directory + "/.checkpoint.safetensors.bak"
        try write("keep", to: unrelated)
        let lock = try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: directory + "/checkpoint.safetensors"))
        #expect(lock.removedTemporaries.count == 2)
        #expect(lock.removedTemporaries.contains(stray))
        let left = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(!left.contains { $0.contains(".tmp-") }, "\(left)")
        #expect(FileManager.default.fileExists(atPath: unrelated))
    }

    @Test func resumingAnotherRunsCheckpointIntoAUsedDirectoryIsRefused() throws {
        let directory = temporaryDirectory("lock-resume-other")
        let files = RunFiles(directory: directory)
        try write("epoch,step\n1,10\n", to: files.metrics)
        let elsewhere = temporaryDirectory("lock-resume-source") + "/checkpoint.safetensors"
        #expect { try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: elsewhere)) } throws: {
            "\($0)".contains("holds another run's files (metrics.csv), and \(elsewhere) is not that run's checkpoint")
        }
        #expect(try String(contentsOfFile: files.metrics, encoding: .utf8) == "epoch,step\n1,10\n")
        // Its own checkpoint, spelled through `..`, resumes; so does another's into an empty directory.
        let name = URL(fileURLWithPath: directory).lastPathComponent
        _ = try OutputDirectoryLock(directory: directory, intent: .resume(checkpoint: "\(directory)/../\(name)/checkpoint.safetensors"))
        _ = try OutputDirectoryLock(directory: temporaryDirectory("lock-resume-empty"), intent: .resume(checkpoint: elsewhere))
    }

    @Test(arguments: ["/.", "/tmp/..", "//"])
    func theRootDirectoryIsRefusedHoweverItIsSpelled(path: String) throws {
        let hadLock = FileManager.default.fileExists(atPath: "/" + OutputDirectoryLock.lockFileName)
        #expect { try OutputDirectoryLock(directory: path, intent: .fresh) } throws: {
            "\($0)".contains("must not be the root directory '/', got '\(path)'")
        }
        #expect(FileManager.default.fileExists(atPath: "/" + OutputDirectoryLock.lockFileName) == hadLock)
    }
}
