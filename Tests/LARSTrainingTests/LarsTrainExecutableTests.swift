import Foundation
import Testing
import LARSTestSupport
import LARSTraining

/// Runs the shipped `lars-train` as a user would, on a small subset of the real Fashion-MNIST
/// (Debian's `dataset-fashion-mnist`, installed by `.ci/run`).
@Suite(.serialized) struct LarsTrainExecutableTests {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProcess(try shippedExecutable("lars-train"), arguments)
    }

    @Test func trainsOnASubsetOfFashionMNISTAndWritesEverything() throws {
        try #require(
            FileManager.default.fileExists(atPath: Self.fashionMNIST + "/train-images-idx3-ubyte.gz"),
            "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist")
        let output = temporaryDirectory("lars-train")
        let (status, text) = try Self.run([
            "--train-limit", "1200", "--test-limit", "500", "--batch-size", "100", "--epochs", "2",
            "--warmup-epochs", "0.5", "--output", output,
        ])
        #expect(status == 0, "lars-train failed:\n\(text)")
        // The BLAS line names a core, and the run ends with where its files are.
        #expect(text.contains("OpenBLAS"))
        #expect(text.contains("epoch 2/2"))
        let accuracyLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("final test accuracy:") })
        let percent = Double(accuracyLine.split(separator: " ")[3]) ?? 0
        // Ten classes: chance is 10 %.
        #expect(percent > 50, "accuracy \(percent) % is not far above chance:\n\(text)")
        for name in ["metrics.csv", "steps.csv", "trust_ratios.csv", "report.html", "checkpoint.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: output + "/" + name), "\(name) was not written")
            #expect(text.contains(output + "/" + name), "the closing lines do not say where \(name) is")
        }

        // Resuming the finished run's checkpoint with more epochs is a different trajectory: refused.
        let (resumeStatus, resumeText) = try Self.run([
            "--train-limit", "1200", "--test-limit", "500", "--batch-size", "100", "--epochs", "3",
            "--warmup-epochs", "0.5", "--output", output, "--resume", output + "/checkpoint.safetensors",
        ])
        #expect(resumeStatus != 0)
        #expect(resumeText.contains("epochs was 2, now 3"), "\(resumeText)")
    }

    @Test func aDivergingRunExitsWithCode3AndRecordsWhere() throws {
        try #require(FileManager.default.fileExists(atPath: Self.fashionMNIST + "/train-images-idx3-ubyte.gz"))
        let output = temporaryDirectory("lars-train-diverge")
        let (status, text) = try Self.run([
            "--train-limit", "600", "--test-limit", "100", "--batch-size", "100", "--epochs", "2",
            "--opt", "sgd", "--lr", "100000", "--warmup-epochs", "0", "--micro-batch", "50", "--validation", "100",
            "--output", output,
        ])
        #expect(status == 3, "expected the diverged exit code:\n\(text)")
        #expect(text.contains("lars-train: diverged at epoch 1, step"), "\(text)")
        #expect(text.contains("micro-batches: 2 x 50 images per step"), "\(text)")
        #expect(text.contains("validation: the last 100 training images, held out"), "\(text)")
        let outcome = try String(contentsOfFile: output + "/outcome.json", encoding: .utf8)
        #expect(outcome.contains("\"state\":\"diverged\""), "\(outcome)")
        // The TensorBoard events of the steps before the divergence were written, as steps.csv's
        // rows; steps.csv's last row is the step that tripped the check, which never ran.
        let events = try TensorBoardEventFile.files(in: output).flatMap { try TensorBoardEventFile.read($0).map(DecodedEvent.init) }
        let logged = try String(contentsOfFile: output + "/steps.csv", encoding: .utf8).split(separator: "\n").dropFirst().dropLast()
        #expect(!logged.isEmpty && events.filter { $0.scalars["step/loss"] != nil }.map(\.step) == logged.map { Int64($0.split(separator: ",")[0])! + 1 })
    }

    @Test func noTensorBoardWritesTheCSVLogsOnly() throws {
        try #require(FileManager.default.fileExists(atPath: Self.fashionMNIST + "/train-images-idx3-ubyte.gz"))
        let output = temporaryDirectory("lars-train-no-tensorboard")
        let (status, text) = try Self.run([
            "--model", "mlp", "--train-limit", "200", "--test-limit", "100", "--batch-size", "100", "--epochs", "1",
            "--no-tensorboard", "--output", output,
        ])
        #expect(status == 0, "\(text)")
        #expect(TensorBoardEventFile.files(in: output).isEmpty)
        #expect(FileManager.default.fileExists(atPath: output + "/metrics.csv"))
        #expect(!text.contains("tensorboard --logdir"), "\(text)")
    }

    @Test func missingDataNamesTheFileAndThePackage() throws {
        let (status, text) = try Self.run(["--data-dir", "/nonexistent/fashion", "--epochs", "1"])
        #expect(status != 0)
        #expect(text.contains("/nonexistent/fashion"), "\(text)")
        #expect(text.contains("dataset-fashion-mnist"), "\(text)")
    }

    @Test func unknownChoicesAreRejected() throws {
        let (status, text) = try Self.run(["--opt", "adagrad"])
        #expect(status != 0)
        #expect(text.contains("adagrad"), "\(text)")
    }
}
