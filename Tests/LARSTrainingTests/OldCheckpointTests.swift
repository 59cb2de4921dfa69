import Foundation
import Testing
import LARSTestSupport

/// A checkpoint written by an earlier `lars-train` (Fixtures/README.md) still loads and resumes
/// to the very losses that version trained to.
@Suite struct OldCheckpointTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let checkpoint = fixtures + "/main-2026-12-07-mlp-epoch1.safetensors"

    @Test func aCheckpointOfMainBeforeTypedConfigurationResumesToTheSameLosses() throws {
        try #require(
            FileManager.default.fileExists(atPath: LarsTrainExecutableTests.fashionMNIST + "/train-images-idx3-ubyte.gz"),
            "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist")
        let output = temporaryDirectory("lars-train-old-checkpoint")
        try FileManager.default.copyItem(atPath: Self.checkpoint, toPath: output + "/checkpoint.safetensors")
        // The run's flags then; its trust coefficient was the default of the time (0.001).
        let flags = [
            "--model", "mlp", "--epochs", "2", "--train-limit", "2048", "--test-limit", "256", "-b", "256",
            "--micro-batch", "128", "--threads", "2", "--output", output, "--resume", output + "/checkpoint.safetensors",
        ]
        let (refused, refusal) = try LarsTrainExecutableTests.run(flags)
        #expect(refused != 0 && refusal.contains("trustCoefficient was 0.001, now 0.002"), "\(refusal)")
        let (status, text) = try LarsTrainExecutableTests.run(flags + ["--trust-coefficient", "0.001"])
        #expect(status == 0, "the old checkpoint did not resume:\n\(text)")
        #expect(text.contains("after epoch 1, step 8"), "\(text)")
        // The old run's epoch-2 steps, to the last printed digit.
        let expected = try String(contentsOfFile: Self.fixtures + "/main-2026-12-07-mlp-steps.csv", encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(",2,") }
        let resumed = try String(contentsOfFile: output + "/steps.csv", encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(",2,") }
        #expect(expected.count == 8)
        #expect(resumed == expected)
    }
}

/// lars-train parses the choices as enums: the im2col engine under both its names, unknown
/// values refused listing the allowed ones.
@Suite struct ChoiceFlagTests {
    @Test(arguments: ["im2col", "openblas"])
    func theIm2colEngineIsAcceptedUnderBothNames(name: String) throws {
        let (status, text) = try LarsTrainExecutableTests.run(["--conv-engine", name, "--blas-info"])
        #expect(status == 0, "\(text)")
    }

    @Test func anUnknownValueIsRefusedListingTheAllowedOnes() throws {
        let (status, text) = try LarsTrainExecutableTests.run(["--conv-engine", "cudnn", "--blas-info"])
        #expect(status != 0)
        #expect(text.contains("cudnn") && text.contains("onednn") && text.contains("im2col"), "\(text)")
        let (_, help) = try LarsTrainExecutableTests.run(["--help"])
        // Each value's help line comes from its enum.
        #expect(help.contains("update-norm") && help.contains("||g + wd w|| (TF, optax)"), "\(help)")
    }
}
