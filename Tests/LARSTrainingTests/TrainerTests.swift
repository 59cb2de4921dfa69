import Foundation
import Testing
import LARSTraining

/// A fresh temporary directory for one test's outputs.
func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "swift-lars-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A configuration for quick trainer tests on `syntheticImages`.
func quickConfiguration(
    output: String, epochs: Int = 3, engine: ConvolutionEngine? = nil
) -> TrainingConfiguration {
    var c = TrainingConfiguration()
    c.convolutionEngine = engine
    c.dataset = "synthetic"
    c.model = "small-cnn"
    c.optimizer = .lars
    c.learningRate = 2
    c.batchSize = 32
    c.epochs = epochs
    c.warmupEpochs = 0.5
    c.randomCrop = false
    c.horizontalFlip = false
    c.threads = 2
    c.outputDirectory = output
    c.evalBatchSize = 64
    return c
}

@Suite struct TrainerTests {
    @Test func trainingLearnsAndWritesLogsReportAndCheckpoint() throws {
        let output = temporaryDirectory("run")
        let trainer = try Trainer(
            configuration: quickConfiguration(output: output), trainSet: syntheticImages(count: 192, seed: 1),
            testSet: syntheticImages(count: 64, seed: 2))
        trainer.printsProgress = false
        let metrics = try trainer.run().epochs
        #expect(metrics.count == 3)
        let last = try #require(metrics.last)
        // Four classes: chance is 25 %.
        #expect((last.testAccuracy ?? 0) > 0.8)
        #expect(metrics.first!.trainLoss > last.trainLoss)

        let files = trainer.files
        for path in [files.metrics, files.steps, files.trustRatios, files.report, files.checkpoint] {
            #expect(FileManager.default.fileExists(atPath: path), "missing \(path)")
        }
        let metricsText = try String(contentsOfFile: files.metrics, encoding: .utf8)
        #expect(metricsText.split(separator: "\n").count == 4)  // header + 3 epochs
        let trustText = try String(contentsOfFile: files.trustRatios, encoding: .utf8)
        // Conv and dense weights are adapted; BatchNorm and biases are not logged.
        #expect(trustText.contains("conv1.weight"))
        #expect(trustText.contains("fc2.weight"))
        #expect(!trustText.contains("bn1.scale"))
        let report = try String(contentsOfFile: files.report, encoding: .utf8)
        #expect(report.contains("<svg"))
        #expect(report.contains("Per-layer LARS trust ratio"))
        #expect(report.contains("polyline"))
    }

    @Test(arguments: ConvolutionEngine.available)
    func resumedRunEndsWithTheSameWeightsBitForBit(_ engine: ConvolutionEngine) throws {
        func quickConfiguration(output: String, epochs: Int) -> TrainingConfiguration {
            LARSTrainingTests.quickConfiguration(output: output, epochs: epochs, engine: engine)
        }
        let train = syntheticImages(count: 128, seed: 3)
        let test = syntheticImages(count: 32, seed: 4)

        let straightDirectory = temporaryDirectory("straight")
        let straight = try Trainer(configuration: quickConfiguration(output: straightDirectory, epochs: 4), trainSet: train, testSet: test)
        straight.printsProgress = false
        try straight.run()

        let firstDirectory = temporaryDirectory("first-half")
        let checkpoint = firstDirectory + "/half.safetensors"
        let firstStep: Int
        do {  // the first trainer ends (as if killed) before the run is resumed in its directory
            let first = try Trainer(configuration: quickConfiguration(output: firstDirectory, epochs: 4), trainSet: train, testSet: test)
            first.printsProgress = false
            _ = try first.trainEpoch()
            _ = try first.trainEpoch()
            try first.saveCheckpoint(to: checkpoint)
            firstStep = first.step
        }

        let resumed = try Trainer(configuration: quickConfiguration(output: firstDirectory, epochs: 4), trainSet: train, testSet: test)
        resumed.printsProgress = false
        try resumed.loadCheckpoint(from: checkpoint)
        #expect(resumed.completedEpochs == 2)
        #expect(resumed.step == firstStep)
        try resumed.run()

        #expect(resumed.step == straight.step)
        for (a, b) in zip(straight.model.namedParameters, resumed.model.namedParameters) {
            #expect(a.name == b.name)
            #expect(a.parameter.value.scalars == b.parameter.value.scalars, "\(a.name) differs after resume")
        }
        for (a, b) in zip(straight.model.namedBuffers, resumed.model.namedBuffers) {
            #expect(a.buffer.value.scalars == b.buffer.value.scalars, "\(a.name) differs after resume")
        }
    }

    @Test func resumingIntoTheSameDirectoryLogsEveryEpochAndStepOnce() throws {
        let train = syntheticImages(count: 64, seed: 9)
        let test = syntheticImages(count: 32, seed: 10)
        let directory = temporaryDirectory("relog")
        // A finished 3-epoch run leaves rows for epochs 1-3 in the directory...
        let finished = try Trainer(configuration: quickConfiguration(output: directory, epochs: 3), trainSet: train, testSet: test)
        finished.printsProgress = false
        try finished.run()
        // ...then the same run is resumed there from its epoch-1 state, as after a crash.
        let source = try Trainer(
            configuration: quickConfiguration(output: temporaryDirectory("relog-source"), epochs: 3), trainSet: train, testSet: test)
        source.printsProgress = false
        _ = try source.trainEpoch()
        let checkpoint = directory + "/epoch1.safetensors"
        try source.saveCheckpoint(to: checkpoint)
        let resumed = try Trainer(configuration: quickConfiguration(output: directory, epochs: 3), trainSet: train, testSet: test)
        resumed.printsProgress = false
        try resumed.loadCheckpoint(from: checkpoint)
        try resumed.run()

        let metrics = try String(contentsOfFile: directory + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(metrics.dropFirst().map { $0.split(separator: ",")[0] } == ["1", "2", "3"])
        let steps = try String(contentsOfFile: directory + "/steps.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let stepNumbers = steps.map { Int($0.split(separator: ",")[0])! }
        #expect(stepNumbers == Array(0..<resumed.step))
    }

    @Test func checkpointFromAnotherRunIsRefusedAndChangesNothing() throws {
        let train = syntheticImages(count: 64, seed: 5)
        let test = syntheticImages(count: 32, seed: 6)
        let directory = temporaryDirectory("mismatch")
        let source = try Trainer(configuration: quickConfiguration(output: directory, epochs: 2), trainSet: train, testSet: test)
        source.printsProgress = false
        _ = try source.trainEpoch()
        try source.saveCheckpoint(to: directory + "/a.safetensors")

        var other = quickConfiguration(output: directory, epochs: 2)
        other.learningRate = 0.5
        let target = try Trainer(configuration: other, trainSet: train, testSet: test)
        let before = target.model.namedParameters.map(\.parameter.value)
        #expect {
            try target.loadCheckpoint(from: directory + "/a.safetensors")
        } throws: { error in
            "\(error)".contains("learningRate") && "\(error)".contains("a.safetensors")
        }
        #expect(target.model.namedParameters.map(\.parameter.value) == before)
        #expect(target.completedEpochs == 0)

        // A file that is not a checkpoint at all.
        let junk = directory + "/junk.safetensors"
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: (any Error).self) { try target.loadCheckpoint(from: junk) }
    }

    @Test(arguments: ConvolutionEngine.available)
    func sameSeedAndFlagsGiveTheSameWeights(_ engine: ConvolutionEngine) throws {
        let train = syntheticImages(count: 64, seed: 7)
        let test = syntheticImages(count: 32, seed: 8)
        func finalWeights() throws -> [[Float]] {
            let t = try Trainer(
                configuration: quickConfiguration(output: temporaryDirectory("determinism"), epochs: 2, engine: engine),
                trainSet: train, testSet: test)
            t.printsProgress = false
            try t.run()
            return t.model.namedParameters.map(\.parameter.value.scalars)
        }
        #expect(try finalWeights() == finalWeights())
    }

    @Test("a checkpoint written on one convolution engine resumes on the other",
        .enabled(if: ConvolutionEngine.isOneDNNAvailable))
    func checkpointResumesOnTheOtherEngine() throws {
        let train = syntheticImages(count: 64, seed: 5)
        let test = syntheticImages(count: 32, seed: 6)
        let directory = temporaryDirectory("engines")
        let writer = try Trainer(
            configuration: quickConfiguration(output: directory, epochs: 2, engine: .onednn), trainSet: train, testSet: test)
        writer.printsProgress = false
        _ = try writer.trainEpoch()
        try writer.saveCheckpoint(to: directory + "/onednn.safetensors")
        let reader = try Trainer(
            configuration: quickConfiguration(output: directory, epochs: 2, engine: .im2col), trainSet: train, testSet: test)
        reader.printsProgress = false
        try reader.loadCheckpoint(from: directory + "/onednn.safetensors")
        #expect(reader.completedEpochs == 1)
        for (a, b) in zip(writer.model.namedParameters, reader.model.namedParameters) {
            #expect(a.parameter.value.scalars == b.parameter.value.scalars, "\(a.name)")
        }
        // Both engines continue from it to nearly the same weights (they differ in rounding only).
        _ = try writer.trainEpoch()
        _ = try reader.trainEpoch()
        for (a, b) in zip(writer.model.namedParameters, reader.model.namedParameters) {
            let scale = a.parameter.value.scalars.map(abs).max() ?? 1
            let diff = zip(a.parameter.value.scalars, b.parameter.value.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(diff <= 1e-2 * max(scale, 1e-3), "\(a.name): engines differ by \(diff) (scale \(scale))")
        }
    }

    @Test("two replicas on two threads train the same trajectory as one model, up to rounding")
    func replicasFollowTheOneModelTrajectory() throws {
        let train = syntheticImages(count: 64, seed: 9)
        let test = syntheticImages(count: 32, seed: 10)
        func run(replicas: Int) throws -> (weights: [[Float]], buffers: [[Float]], trainer: Trainer) {
            var c = quickConfiguration(output: temporaryDirectory("replicas\(replicas)"), epochs: 2)
            c.replicas = replicas
            c.threads = replicas
            let t = try Trainer(configuration: c, trainSet: train, testSet: test)
            t.printsProgress = false
            try t.run()
            return (t.model.namedParameters.map(\.parameter.value.scalars), t.model.namedBuffers.map(\.buffer.value.scalars), t)
        }
        let one = try run(replicas: 1)
        let two = try run(replicas: 2)
        #expect(one.trainer.network === one.trainer.model)
        #expect(two.trainer.network is DataParallel)
        for (index, (a, b)) in zip(two.weights + two.buffers, one.weights + one.buffers).enumerated() {
            var difference = 0.0, norm = 0.0
            for i in a.indices {
                difference += Double(a[i] - b[i]) * Double(a[i] - b[i])
                norm += Double(b[i]) * Double(b[i])
            }
            #expect((difference / max(norm, 1e-30)).squareRoot() < 1e-3, "tensor \(index) drifted from the one-model run")
        }
        #expect(abs(two.trainer.history.last!.trainLoss - one.trainer.history.last!.trainLoss) < 1e-3)
    }

    @Test func inconsistentOptionsAreRejectedWithAMessage() {
        var c = quickConfiguration(output: temporaryDirectory("bad"))
        c.batchSize = 30
        c.microBatches = 4
        #expect { try c.validate() } throws: { "\($0)".contains("not divisible") }
        c = quickConfiguration(output: temporaryDirectory("bad"))
        // A choice outside the enum cannot be built; in a stored configuration it fails to decode.
        let json = try! String(decoding: JSONEncoder().encode(c), as: UTF8.self).replacingOccurrences(of: "\"lars\"", with: "\"adagrad\"")
        #expect { try JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8)) } throws: { "\($0)".contains("adagrad") }
        c = quickConfiguration(output: temporaryDirectory("bad"))
        c.replicas = 0
        #expect { try c.validate() } throws: { "\($0)".contains("--replicas must be in [1, 1024], got 0") }
        c.replicas = 3
        #expect { try c.validate() } throws: { "\($0)".contains("3 replicas need at least as many threads, got 2") }
    }
}
