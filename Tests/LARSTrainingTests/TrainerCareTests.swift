import Foundation
import Testing
import LARSTestSupport
@testable import LARSTraining

/// Issue 23's defects of the library's `Trainer`, each as a user met it: the data's name, a
/// deeper layer refusing the images, the output directory, `trainEpoch()`'s logs, a finished
/// run resumed, augmentation on a caller's data, kernel threads, and the report.
@Suite(.serialized) struct TrainerCareTests {
    /// What a user writes: today's defaults, with only the model, optimizer and loop set, and
    /// nothing about the data's name or augmentation.
    func userConfiguration(_ output: String, epochs: Int = 1, model: String = "small-cnn") -> TrainingConfiguration {
        var c = TrainingConfiguration()
        c.model = ModelName(rawValue: model)
        c.learningRate = 2
        c.batchSize = 32
        c.epochs = epochs
        c.warmupEpochs = 0.5
        c.threads = 2
        c.evalBatchSize = 64
        c.outputDirectory = output
        return c
    }

    func trainer(_ c: TrainingConfiguration, train: ImageDataset? = nil) throws -> Trainer {
        let t = try Trainer(
            configuration: c, trainSet: train ?? syntheticImages(count: 64, seed: 31), testSet: syntheticImages(count: 32, seed: 32))
        t.printsProgress = false
        return t
    }

    @Test func aCallersDataIsNamedAfterItselfInTheReportAndTheCheckpoint() throws {
        let t = try trainer(userConfiguration(temporaryDirectory("care-name")))
        try t.run()
        #expect(t.plan.dataName == "synthetic-31")
        #expect(t.configuration.dataset == nil)  // the request is not patched
        let report = try String(contentsOfFile: t.files.report, encoding: .utf8)
        #expect(report.contains("<td>data set</td><td>synthetic-31 ("), "\(report.prefix(800))")
        #expect(!report.contains("fashion-mnist"))
        #expect(try Trainer.savedPlan(at: t.files.checkpoint).dataName == "synthetic-31")
        #expect(try Trainer.savedConfiguration(at: t.files.checkpoint).dataset == nil)
        // A loader's name names its data set, not the split.
        let named = ImageDataset(name: "cifar10/train[:64]", images: [UInt8](repeating: 0, count: 64), labels: [0, 1, 0, 1], channels: 1, height: 4, width: 4, classCount: 2)
        #expect(TrainingConfiguration.dataName(of: named) == "cifar10")
    }

    /// Checkpoints written before plans held the data kept its resolved name and augmentation
    /// in the configuration: they resume in a run that asks for neither, and other data is
    /// still refused.
    @Test func aCheckpointWhoseConfigurationHeldTheResolvedDataResumes() throws {
        let directory = temporaryDirectory("care-old-data")
        let writer = try trainer(userConfiguration(directory, epochs: 2))
        try writer.trainEpoch()
        func rewritten(dataset: String) throws -> String {
            let file = try SafeTensors.read(writer.files.checkpoint)
            var metadata = file.metadata
            var configuration = try JSONSerialization.jsonObject(with: Data(metadata["configuration"]!.utf8)) as! [String: Any]
            (configuration["dataset"], configuration["randomCrop"], configuration["horizontalFlip"]) = (dataset, false, false)
            var plan = try JSONSerialization.jsonObject(with: Data(metadata["plan"]!.utf8)) as! [String: Any]
            #expect(plan["dataName"] as? String == "synthetic-31" && plan["augmentation"] != nil)
            (plan["dataName"], plan["augmentation"]) = (nil, nil)
            metadata["configuration"] = String(decoding: try JSONSerialization.data(withJSONObject: configuration), as: UTF8.self)
            metadata["plan"] = String(decoding: try JSONSerialization.data(withJSONObject: plan), as: UTF8.self)
            let path = directory + "/old-\(dataset).safetensors"
            try SafeTensors.write(file.names.map { ($0, file.tensors[$0]!) }, metadata: metadata, to: path)
            return path
        }
        let old = try rewritten(dataset: "synthetic-31")
        #expect(try Trainer.savedPlan(at: old).dataName == "synthetic-31")
        #expect(try Trainer.savedPlan(at: old).augmentation == Augmentation.none)
        let resumed = try trainer(userConfiguration(directory, epochs: 2))
        try resumed.loadCheckpoint(from: old)
        #expect(resumed.completedEpochs == 1)
        let other = try rewritten(dataset: "cifar10")
        #expect { try trainer(userConfiguration(directory, epochs: 2)).loadCheckpoint(from: other) } throws: {
            "\($0)".contains("dataset was cifar10, now synthetic-31")
        }
    }

    @Test func aCallersDataIsNotAugmentedByDefaultAndKnownDataGetsItsStandard() throws {
        let t = try trainer(userConfiguration(temporaryDirectory("care-augment")))
        #expect(t.plan.augmentation == Augmentation.none)
        #expect(t.configuration.randomCrop == nil && t.configuration.horizontalFlip == nil)
        #expect(t.trainLoader.options.augmentation.isIdentity)
        let c = TrainingConfiguration()
        #expect(c.augmentation(forDataset: "folder") == .none)
        #expect(c.augmentation(forDataset: "npy") == .none)
        #expect(c.augmentation(forDataset: "cifar10") == Augmentation(randomCrop: true, padding: 4, horizontalFlip: true))
        #expect(c.augmentation(forDataset: "mnist") == Augmentation(randomCrop: true, padding: 2, horizontalFlip: false))
        var explicit = c
        explicit.horizontalFlip = true
        explicit.cropPadding = 0
        #expect(explicit.augmentation(forDataset: "cifar10") == Augmentation(randomCrop: false, padding: 0, horizontalFlip: true))
    }

    @Test func aDeeperLayerRefusingTheImagesThrowsNamingIt() throws {
        // Sized for 28x28 images, given 12x12 ones: the convolution takes them, the dense
        // layer after the flatten does not.
        var c = userConfiguration(temporaryDirectory("care-shape"))
        c.model = "conv-28"
        #expect {
            try Trainer(
                configuration: c,
                model: { generator in
                    Sequential([
                        ("conv", Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 3, padding: 1, generator: &generator)),
                        ("flatten", Flatten()),
                        ("fc", Dense(inputCount: 784, outputCount: 4, generator: &generator)),
                    ])
                }, trainSet: syntheticImages(count: 64, seed: 31), testSet: syntheticImages(count: 32, seed: 32))
        } throws: { error in
            "\(error)".contains("fc (Dense): expected input [N, 784], got [1, 144]")
        }
    }

    @Test func aFreshRunRefusesAnotherRunsDirectoryUnlessOverwriting() throws {
        let directory = temporaryDirectory("care-lock")
        try trainer(userConfiguration(directory)).run()
        let before = try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8)
        let second = try trainer(userConfiguration(directory, epochs: 2))
        #expect { try second.run() } throws: { "\($0)".contains("holds another run's files") }
        #expect(try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8) == before)
        second.overwrite = true
        let summary = try second.run()
        #expect(summary.filesRemoved.contains(directory + "/metrics.csv"))
        let after = try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8)
        #expect(after.split(separator: "\n").count == 3)  // header + the new run's 2 epochs

        // While one trainer writes into a directory, another is refused, naming this process.
        let busy = temporaryDirectory("care-busy")
        let writer = try trainer(userConfiguration(busy, epochs: 2))
        _ = try writer.trainEpoch()
        let intruder = try trainer(userConfiguration(busy, epochs: 2))
        intruder.overwrite = true
        #expect { try intruder.trainEpoch() } throws: { "\($0)".contains("in use by another run (process \(getpid()))") }
    }

    @Test func trainEpochWritesItsLogsAndCheckpointAsRunDoes() throws {
        let t = try trainer(userConfiguration(temporaryDirectory("care-epoch"), epochs: 2))
        _ = try t.trainEpoch()
        let rows = try String(contentsOfFile: t.files.metrics, encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 2)
        #expect(FileManager.default.fileExists(atPath: t.files.checkpoint))
        #expect(FileManager.default.fileExists(atPath: t.files.report))
        #expect(!FileManager.default.fileExists(atPath: t.files.outcome))  // not finished yet
        _ = try t.trainEpoch()
        #expect(try RunOutcome.read(from: t.files.outcome).state == .finished)
    }

    @Test func runningAFinishedCheckpointSaysSoAndTrainsNothing() throws {
        let directory = temporaryDirectory("care-finished")
        let first = try trainer(userConfiguration(directory))
        let firstSummary = try first.run()
        #expect(firstSummary.epochs.count == 1 && firstSummary.resumedFrom == nil && !firstSummary.wasAlreadyFinished)
        #expect(firstSummary.filesWritten.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(firstSummary.filesWritten.contains(first.files.checkpoint))

        let again = try trainer(userConfiguration(directory))
        try again.loadCheckpoint(from: first.files.checkpoint)
        #expect(again.headerLines().contains { $0.hasPrefix("resumed from \(first.files.checkpoint) after epoch 1") })
        #expect(again.headerLines().contains { $0.hasPrefix("nothing to train") })
        let summary = try again.run()
        #expect(summary.wasAlreadyFinished && summary.epochs.isEmpty)
        #expect(summary.resumedFrom == first.files.checkpoint && summary.startEpoch == 1 && summary.completedEpochs == 1)
        #expect(try RunOutcome.read(from: again.files.outcome).state == .finished)
    }

    @Test func theTrainerSetsTheKernelThreadsItNeedsAndPrintsAHeader() throws {
        BLASRuntime.setThreads(2)
        var c = userConfiguration(temporaryDirectory("care-threads"))
        c.replicas = 2  // two threads, two replicas: one OpenBLAS thread each
        let t = try trainer(c)
        #expect(BLASRuntime.threads == 1)
        let header = t.headerLines()
        #expect(header.contains { $0.hasPrefix("training small-cnn (") && $0.contains(" on synthetic-31: 64 training / 32 test images") })
        #expect(header.contains { $0.hasPrefix("convolutions: ") })
    }

    @Test func theReportsAxesStartAtZeroAndAnMLPRunNamesNoConvolutions() throws {
        let t = try trainer(userConfiguration(temporaryDirectory("care-report"), epochs: 2, model: "mlp"))
        try t.run()
        #expect(!t.headerLines().contains { $0.hasPrefix("convolutions") })
        let report = try String(contentsOfFile: t.files.report, encoding: .utf8)
        #expect(!report.contains("<td>convolutions</td>"))
        let charts = report.components(separatedBy: "<svg").dropFirst()
        let loss = try #require(charts.first), accuracy = try #require(charts.dropFirst().first)
        #expect(loss.contains("Loss") && loss.contains(">0</text>"), "the loss axis has no zero")
        #expect(accuracy.contains(">0</text>") && accuracy.contains(">1</text>"))
        // No point of the accuracy lines on the plot's top border (y = 34).
        let top = 34.0
        let ys = accuracy.components(separatedBy: "points=\"").dropFirst().flatMap { line in
            line.prefix { $0 != "\"" }.split(separator: " ").compactMap { Double($0.split(separator: ",")[1]) }
        }
        #expect(!ys.isEmpty && ys.allSatisfy { $0 > top + 5 }, "\(ys)")
    }
}
