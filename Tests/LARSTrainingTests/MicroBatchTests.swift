import Foundation
import Testing
@testable import LARSTraining

/// The parameters of a trained model, in order, as flat arrays.
func parameterValues(_ trainer: Trainer) -> [[Float]] {
    trainer.model.namedParameters.map { Array($0.parameter.value.scalars) }
}

/// Relative L2 distance between two lists of tensors, over all of them.
func relativeDistance(_ a: [[Float]], _ b: [[Float]]) -> Double {
    var difference = 0.0, norm = 0.0
    for (x, y) in zip(a, b) {
        for i in x.indices {
            difference += Double(x[i] - y[i]) * Double(x[i] - y[i])
            norm += Double(y[i]) * Double(y[i])
        }
    }
    return (difference / max(norm, 1e-30)).squareRoot()
}

/// Trains `configuration` for its epochs on fixed synthetic data and returns the trainer.
func trained(_ configuration: TrainingConfiguration, images: Int = 128) throws -> Trainer {
    let trainer = try Trainer(
        configuration: configuration, trainSet: syntheticImages(count: images, seed: 11),
        testSet: syntheticImages(count: 32, seed: 12))
    trainer.printsProgress = false
    trainer.writesCheckpoints = false
    try trainer.run()
    return trainer
}

@Suite struct MicroBatchResolutionTests {
    @Test func defaultLimitIsPerProcessAndLeavesTheDefaultRunWhole() throws {
        var c = TrainingConfiguration()  // small CNN, batch 512, 2 threads, 2 replicas
        #expect(TrainingPlan.defaultMicroBatchLimit(model: c.model) == 512)
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 1)
        c.batchSize = 8192
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 16)
        // Two processes each take half a micro-batch: 2,048 / 2 = 1,024 per process is too many.
        c.batchSize = 2048
        #expect(try TrainingPlan(resolving: c, processes: 2).microBatches == 2)
        c.model = "resnet20"
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 8)
        // Threads and replicas never change the cut, so a run resumes on another core count.
        c.threads = 1
        c.replicas = 1
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 8)
    }

    @Test func awkwardBatchesAndKeepLastAreRefusedWithAMessage() throws {
        var c = TrainingConfiguration()
        c.batchSize = 1046  // 2 x 523: the default limit would give 523 passes of 2 images
        #expect { try TrainingPlan(resolving: c, processes: 1) } throws: { "\($0)".contains("micro-batches of only 2 images") }
        c.microBatchLimit = 2  // asked for explicitly: allowed
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 523)
        c = TrainingConfiguration()
        c.batchSize = 4096
        c.dropLast = false
        #expect { try TrainingPlan(resolving: c, processes: 1) } throws: { "\($0)".contains("drop --keep-last") }
        c.batchSize = 512
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 1)
    }

    @Test func explicitChoicesWinAndResolvingTwiceChangesNothing() throws {
        var c = TrainingConfiguration()
        c.batchSize = 8192
        c.microBatches = 4  // explicit: no default limit
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 4)
        c.microBatchLimit = 100  // explicit limit: the smallest count giving equal micro-batches of <= 100
        let plan = try TrainingPlan(resolving: c, processes: 1)
        #expect(plan.microBatches == 128)
        #expect(plan.microBatchSize == 64)
        // The request is left as asked: resolving it again gives the same plan.
        #expect(c.microBatches == 4)
        #expect(try TrainingPlan(resolving: c, processes: 1) == plan)
    }

    @Test func impossibleSplitsAreRefusedWithAMessage() {
        var c = TrainingConfiguration()
        c.batchSize = 7
        #expect { try TrainingPlan(resolving: c, processes: 2) } throws: {
            "\($0)".contains("batch 7 cannot be cut into equal micro-batches") && "\($0)".contains("2 process(es)")
        }
        c.batchSize = 512
        c.microBatchLimit = 0
        #expect { try TrainingPlan(resolving: c, processes: 1) } throws: { "\($0)".contains("--micro-batch must be in [1, 16777216], got 0") }
    }
}

@Suite struct MicroBatchTrainingTests {
    /// One optimizer step of 64 images on the MLP (no BatchNorm).
    func oneStep(microBatch: Int?, accumulation: Int = 1) -> TrainingConfiguration {
        var c = quickConfiguration(output: temporaryDirectory("micro"), epochs: 1)
        c.model = "mlp"
        c.batchSize = 64
        c.trainLimit = 64
        c.microBatchLimit = microBatch
        c.microBatches = accumulation
        c.warmupEpochs = 0
        c.schedule = .constant
        return c
    }

    @Test func withoutBatchNormMicroBatchesGiveTheWholeBatchStep() throws {
        let whole = try trained(oneStep(microBatch: 64))
        let cut = try trained(oneStep(microBatch: 16))
        #expect(whole.plan.microBatches == 1)
        #expect(cut.plan.microBatches == 4)
        #expect(whole.step == 1 && cut.step == 1)
        let distance = relativeDistance(parameterValues(cut), parameterValues(whole))
        #expect(distance < 1e-6, "micro-batched step differs from the whole-batch step by \(distance)")
        // A step on a quarter of the batch alone is a different step: the comparison can fail.
        var quarter = oneStep(microBatch: 16)
        quarter.batchSize = 16
        quarter.trainLimit = 16
        let other = try trained(quarter)
        #expect(relativeDistance(parameterValues(other), parameterValues(whole)) > 1e-4)
    }

    @Test func microBatchLimitEqualsExplicitAccumulationBitForBit() throws {
        var limited = quickConfiguration(output: temporaryDirectory("limited"), epochs: 2)
        limited.batchSize = 64
        limited.microBatchLimit = 16
        var accumulated = quickConfiguration(output: temporaryDirectory("accumulated"), epochs: 2)
        accumulated.batchSize = 64
        accumulated.microBatches = 4
        let a = try trained(limited), b = try trained(accumulated)
        #expect(a.configuration.trajectoryFingerprint == b.configuration.trajectoryFingerprint)
        #expect(a.plan.trajectoryDifferences(from: b.plan).isEmpty)
        #expect(parameterValues(a) == parameterValues(b))
        #expect(a.history.map(\.trainLoss) == b.history.map(\.trainLoss))
    }

    @Test func resumeAndDeterminismHoldWithMicroBatches() throws {
        let train = syntheticImages(count: 128, seed: 21), test = syntheticImages(count: 32, seed: 22)
        func configuration(_ output: String) -> TrainingConfiguration {
            var c = quickConfiguration(output: output, epochs: 4)
            c.batchSize = 64
            c.microBatchLimit = 16
            return c
        }
        func make(_ output: String) throws -> Trainer {
            let t = try Trainer(configuration: configuration(output), trainSet: train, testSet: test)
            t.printsProgress = false
            return t
        }
        let straight = try make(temporaryDirectory("micro-straight"))
        #expect(straight.plan.microBatches == 4)
        try straight.run()
        let again = try make(temporaryDirectory("micro-again"))
        try again.run()
        #expect(parameterValues(straight) == parameterValues(again))

        let directory = temporaryDirectory("micro-half")
        do {  // the first trainer ends (as if killed) before the run is resumed in its directory
            let first = try make(directory)
            _ = try first.trainEpoch()
            _ = try first.trainEpoch()
            try first.saveCheckpoint(to: directory + "/half.safetensors")
        }
        let resumed = try make(directory)
        try resumed.loadCheckpoint(from: directory + "/half.safetensors")
        try resumed.run()
        #expect(resumed.step == straight.step)
        #expect(parameterValues(resumed) == parameterValues(straight))
    }
}

@Suite struct ResumeAcrossSettingsTests {
    @Test func aCheckpointResumesOnAnotherThreadCount() throws {
        let train = syntheticImages(count: 128, seed: 51), test = syntheticImages(count: 32, seed: 52)
        let directory = temporaryDirectory("threads")
        var c = quickConfiguration(output: directory, epochs: 2)
        c.batchSize = 64
        c.microBatchLimit = 16
        let first = try Trainer(configuration: c, trainSet: train, testSet: test)
        first.printsProgress = false
        _ = try first.trainEpoch()
        try first.saveCheckpoint(to: directory + "/one.safetensors")
        c.threads = 1
        c.replicas = nil
        let resumed = try Trainer(configuration: c, trainSet: train, testSet: test)
        try resumed.loadCheckpoint(from: directory + "/one.safetensors")
        #expect(resumed.completedEpochs == 1)
        #expect(try Trainer.savedPlan(at: directory + "/one.safetensors").microBatches == 4)
        #expect(try Trainer.savedConfiguration(at: directory + "/one.safetensors").microBatches == 1)
    }

    @Test func aConfigurationWithoutTheNewestFieldsLoadsWithTheirDefaults() throws {
        var json = try String(decoding: JSONEncoder().encode(TrainingConfiguration()), as: UTF8.self)
        for key in ["microBatch", "validationCount", "divergenceFactor"] {
            json = json.replacingOccurrences(of: "\"\(key)\":", with: "\"unknown_\(key)\":")
        }
        #expect(!json.contains("\"validationCount\""))
        let decoded = try Trainer.decodeConfiguration(json, path: "old.safetensors")
        #expect(decoded == TrainingConfiguration())
    }

    @Test func aLogWrittenBeforeColumnsWereAddedIsContinued() throws {
        let path = temporaryDirectory("csv") + "/metrics.csv"
        try "a,b\n1,2\n3,4\n".write(toFile: path, atomically: true, encoding: .utf8)
        let log = try CSVLog(path: path, columns: ["a", "b", "c"], append: true, keepRow: { $0[0] == "1" })
        log.append(["5", "6", "7"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "a,b,c\n1,2,\n5,6,7\n")
        #expect { try CSVLog(path: path, columns: ["x", "y"], append: true) } throws: { "\($0)".contains("has columns a,b,c") }
    }
}
