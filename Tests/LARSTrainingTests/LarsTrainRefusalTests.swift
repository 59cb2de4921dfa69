import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// What the shipped `lars-train` refuses before any work, each with its message and a non-zero
/// exit, leaving an earlier run's files as they were.
@Suite(.serialized) struct LarsTrainRefusalTests {
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        try runProcess(try shippedExecutable("lars-train"), arguments, environment: environment)
    }

    /// One bad value of every class of option: zero, negative, NaN, infinite, out of range,
    /// contradicting another option, and the output paths that would write into `/`.
    @Test(arguments: [
        (["--train-limit", "0"], "--train-limit must be at least 1"),
        (["--test-limit=-5"], "--test-limit must be at least 1"),
        (["--test-limit", "0"], "--test-limit must be at least 1"),
        (["--crop-padding=-1"], "--crop-padding must be in [0, 64]"),
        (["--weight-decay", "nan"], "--weight-decay must be a finite number in [0, 1], got nan"),
        (["--warmup-epochs", "inf"], "--warmup-epochs must be a finite number"),
        (["--trust-coefficient", "nan"], "--trust-coefficient must be a finite number"),
        (["--opt-eps", "nan"], "--opt-eps must be a finite number"),
        (["--epochs", "9223372036854775807"], "--epochs must be in [1, 1000000]"),
        (["--poly-power", "nan"], "--poly-power must be a finite number"),
        (["--decay-rate", "nan"], "--decay-rate must be a finite number"),
        (["--lr", "inf"], "--lr must be a finite number"),
        (["--lr", "0.5", "--min-lr", "100"], "--min-lr must be a finite number in [0, 0.5]"),
        (["--momentum", "1"], "--momentum must be a finite number in [0, 1)"),
        (["--smoothing=-0.1"], "--smoothing must be a finite number"),
        (["-b", "0"], "-b/--batch-size must be in [1,"),
        (["--threads", "0"], "--threads must be in [1, 1024]"),
        (["--sched", "multistep", "--decay-epochs", "5", "2"], "milestones must be increasing"),
        (["--output", ""], "--output must name a directory"),
        (["--output", "//"], "--output must not be the root directory"),
        (["--resume", "x.safetensors", "--overwrite"], "give one of them"),
    ])
    func aBadOptionIsRefusedBeforeAnyWork(arguments: [String], message: String) throws {
        let (status, text) = try Self.run(arguments + ["--data-dir", "/nonexistent/never-read"])
        #expect(status != 0)
        #expect(text.contains(message), "\(arguments): \(text)")
        #expect(!text.contains("/nonexistent/never-read"), "the data was opened before the options were checked: \(text)")
    }

    @Test func aRunIntoALockedDirectoryRefusesNamingTheHolder() throws {
        try #require(FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/t10k-images-idx3-ubyte.gz"))
        let directory = temporaryDirectory("lars-train-locked")
        let held = try OutputDirectoryLock(directory: directory, intent: .fresh)
        let (status, text) = try Self.run(["--train-limit", "100", "--batch-size", "50", "--epochs", "1", "--output", directory])
        withExtendedLifetime(held) {}
        #expect(status != 0)
        #expect(text.contains("in use by another run (process \(getpid()))"), "\(text)")
    }

    @Test func aFreshRunIntoAUsedDirectoryRefusesAndKeepsItsFiles() throws {
        try #require(FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/t10k-images-idx3-ubyte.gz"))
        let directory = temporaryDirectory("lars-train-used")
        let files = RunFiles(directory: directory)
        let old = "epoch,step\n1,10\n"
        try old.write(toFile: files.metrics, atomically: false, encoding: .utf8)
        try [UInt8](repeating: 1, count: 64).withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: files.checkpoint)) }
        let (status, text) = try Self.run(["--train-limit", "100", "--batch-size", "50", "--epochs", "1", "--output", directory])
        #expect(status != 0)
        #expect(text.contains("holds another run's files (metrics.csv, checkpoint.safetensors)"), "\(text)")
        #expect(try String(contentsOfFile: files.metrics, encoding: .utf8) == old)
        #expect(try Data(contentsOf: URL(fileURLWithPath: files.checkpoint)).count == 64)
    }

    @Test func mpirunWithABuildWithoutMPIRefusesToStart() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["OMPI_COMM_WORLD_SIZE"] = "2"
        environment["OMPI_COMM_WORLD_RANK"] = "1"
        let (status, text) = try Self.run(["--epochs", "1", "--output", temporaryDirectory("lars-train-mpirun")], environment: environment)
        try #require(!text.contains("MPI_Init"), "this lars-train was built with MPI; the refusal is for builds without it")
        #expect(status != 0)
        #expect(text.contains("built without MPI"), "\(text)")
        #expect(text.contains("SWIFT_LARS_MPI=1"), "\(text)")
    }

    @Test func aStepThatCannotFitInMemoryIsRefusedWithTheEstimate() throws {
        try #require(FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/t10k-images-idx3-ubyte.gz"))
        let machine = try #require(MemoryEstimate.machineBytes())
        // ResNet-56 holds several MB per 28x28 image: all 60,000 training images in one pass need
        // hundreds of gigabytes (an epoch must hold a step, which is checked first).
        try #require(machine < 100 << 30)
        let directory = temporaryDirectory("lars-train-memory")
        let (status, text) = try Self.run([
            "--model", "resnet56", "-b", "60000", "--micro-batch", "60000", "--output", directory,
        ])
        #expect(status != 0)
        #expect(text.contains("a step of 60000 images per pass needs about"), "\(text)")
        #expect(text.contains("more than this machine's \(formatBytes(machine))"), "\(text)")
        #expect(text.contains("or less fits, with the same batch size"), "\(text)")
        // The run stopped before writing anything.
        #expect(!FileManager.default.fileExists(atPath: RunFiles(directory: directory).metrics))
    }

    @Test func aRunStoppedBeforeItsFirstCheckpointIsNotAdvisedToResumeOne() throws {
        try #require(FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/t10k-images-idx3-ubyte.gz"))
        let directory = temporaryDirectory("lars-train-no-checkpoint")
        let files = RunFiles(directory: directory)
        try "epoch,step\n".write(toFile: files.metrics, atomically: false, encoding: .utf8)
        let (status, text) = try Self.run(["--train-limit", "100", "--batch-size", "50", "--epochs", "1", "--output", directory])
        #expect(status != 0)
        #expect(text.contains("it has no checkpoint to resume (it stopped before its first epoch ended); pass --overwrite"), "\(text)")
        #expect(!text.contains("--resume " + files.checkpoint), "\(text)")
        #expect(try String(contentsOfFile: files.metrics, encoding: .utf8) == "epoch,step\n")
    }

    @Test func resumingAFinishedRunIntoANewDirectoryTrainsNothingAndFails() throws {
        try #require(FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/t10k-images-idx3-ubyte.gz"))
        let first = temporaryDirectory("lars-train-finished")
        let flags = ["--train-limit", "64", "--test-limit", "50", "-b", "32", "--epochs", "1", "--threads", "1"]
        let (done, log) = try Self.run(flags + ["--output", first])
        try #require(done == 0, "\(log)")
        let second = temporaryDirectory("lars-train-nothing-left")
        let (status, text) = try Self.run(flags + ["--resume", RunFiles(directory: first).checkpoint, "--output", second])
        #expect(status != 0)
        #expect(text.contains("has trained 1 of 1 epochs: nothing is left to train; use its files as they are, or start a new run"), "\(text)")
        let written = try FileManager.default.contentsOfDirectory(atPath: second).filter { !$0.hasPrefix(".") }
        #expect(written.isEmpty, "\(written)")
    }
}
