import Foundation
import Testing
import LARSTestSupport
import LARSTraining

/// The typed configuration stores what the string configuration stored, and every field.
@Suite struct ConfigurationCodingTests {
    static func json(_ c: TrainingConfiguration) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as! [String: Any]
    }

    @Test func everyFieldIsStoredUnderTheNamesCheckpointsUse() throws {
        var c = TrainingConfiguration()
        // Optionals set, so that each one appears in the JSON.
        (c.dataDirectory, c.trainLimit, c.testLimit, c.cropPadding) = ("/data", 10, 10, 2)
        (c.epsilon, c.microBatchLimit, c.replicas) = (1e-8, 64, 1)
        (c.convolutionEngine, c.oneDNNNormalizationAndPooling) = (.im2col, false)
        (c.dataset, c.randomCrop, c.horizontalFlip, c.tensorBoard) = ("cifar10", true, true, false)
        (c.noiseScaleSplit, c.evalEverySteps, c.targets, c.stopAtTarget) = (true, 5, [0.9], true)
        c.zeroInitResidual = false
        let stored = try Self.json(c)
        #expect(stored.count == Mirror(reflecting: c).children.count, "a field has no CodingKeys case: \(stored.keys.sorted())")
        #expect(stored["accumulationSteps"] as? Int == 1)
        #expect(stored["microBatch"] as? Int == 64)
        #expect(stored["convolutionEngine"] as? String == "openblas")
    }

    @Test func theStringsOfOlderCheckpointsDecodeToTheEnums() throws {
        var stored = try Self.json(TrainingConfiguration())
        let old: [String: Any] = [
            "dataset": "cifar100-coarse", "model": "my-net", "optimizer": "adamw", "larsDenominator": "update-norm",
            "momentumPlacement": "after", "nonFinite": "skip", "schedule": "multistep", "backend": "swift-naive",
            "convolutionEngine": "openblas", "accumulationSteps": 4, "microBatch": 32,
        ]
        stored.merge(old) { _, new in new }
        let c = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: stored))
        #expect(c.dataset == .builtIn(.cifar100Coarse))
        #expect(c.model == .custom("my-net"))
        #expect(c.optimizer == .adamw && c.larsDenominator == .updateNorm && c.momentumPlacement == .afterMomentum)
        #expect(c.nonFinite == .skipStep && c.schedule == .multistep && c.backend == .swiftNaive)
        #expect(c.convolutionEngine == .im2col)
        #expect(c.microBatches == 4 && c.microBatchLimit == 32)
        // And back to the same strings.
        let again = try Self.json(c)
        for (key, value) in old { #expect("\(again[key]!)" == "\(value)", "\(key)") }
    }

    @Test func theRecipeDefaultsAreTheOnesTheDefaultConfigurationUses() {
        let c = TrainingConfiguration()
        #expect(c.learningRate == 3.0 && c.weightDecay == 5e-4 && c.batchSize == 512 && c.epochs == 8)
        #expect(c.trustCoefficient == 0.002 && LARS.Options().trustCoefficient == 0.001)
        // Stored as Double for lars-study's rules; as Float they are the literals lars-train had.
        #expect(Float(RecipeDefaults.learningRate(.lamb)) == 0.01 && Float(RecipeDefaults.learningRate(.adamw)) == 0.002)
        #expect(Float(RecipeDefaults.weightDecay(.lamb)) == 0.01 && Float(RecipeDefaults.learningRate(.sgd)) == 0.4)
    }
}

/// The resolved plan is stored beside the request and compared on resume.
@Suite struct TrainingPlanTests {
    func configuration(_ output: String, limit: Int?) -> TrainingConfiguration {
        var c = quickConfiguration(output: output, epochs: 2)
        c.batchSize = 64
        c.microBatchLimit = limit
        return c
    }

    @Test func aResumedPlanKeepsTheSavedCountUnlessOneIsAskedFor() throws {
        var c = TrainingConfiguration()
        let saved = try TrainingPlan(resolving: { var s = c; s.microBatchLimit = 128; return s }(), processes: 1)
        #expect(saved.microBatches == 4)
        #expect(try TrainingPlan(resolving: c, processes: 1).microBatches == 1)
        #expect(try TrainingPlan(resolving: c, processes: 1, resuming: saved).microBatches == 4)
        c.microBatchLimit = 256
        #expect(try TrainingPlan(resolving: c, processes: 1, resuming: saved).microBatches == 2)
        #expect(c.microBatches == 1)  // the request is never patched
    }

    @Test func theCheckpointStoresThePlanAndAnotherSplitIsRefused() throws {
        let train = syntheticImages(count: 128, seed: 61), test = syntheticImages(count: 32, seed: 62)
        let directory = temporaryDirectory("plan")
        let first = try Trainer(configuration: configuration(directory, limit: 16), trainSet: train, testSet: test)
        first.printsProgress = false
        _ = try first.trainEpoch()
        try first.saveCheckpoint(to: directory + "/one.safetensors")
        #expect(try Trainer.savedPlan(at: directory + "/one.safetensors") == first.plan)
        #expect(first.plan.microBatches == 4 && first.plan.peakLearningRate == 2)

        let other = try Trainer(configuration: configuration(directory, limit: 32), trainSet: train, testSet: test)
        #expect { try other.loadCheckpoint(from: directory + "/one.safetensors") } throws: {
            "\($0)".contains("micro-batches per step was 4 x 16 images, now 2 x 32")
        }
        // Without a limit, the saved plan's split is kept and the checkpoint resumes.
        let saved = try Trainer.savedPlan(at: directory + "/one.safetensors")
        let resumed = try Trainer(
            configuration: configuration(directory, limit: nil), trainSet: train, testSet: test,
            plan: TrainingPlan(resolving: configuration(directory, limit: nil), processes: 1, resuming: saved))
        try resumed.loadCheckpoint(from: directory + "/one.safetensors")
        #expect(resumed.completedEpochs == 1 && resumed.plan.microBatches == 4)
    }
}

/// Resume compares the noise-scale split through the plans' micro-batch counts: asking for the
/// split again, or not, on a resume that keeps the same count is no difference.
@Suite struct NoiseScaleSplitResumeTests {
    @Test func theSplitRequestIsNotPartOfTheFingerprint() {
        var split = TrainingConfiguration()
        split.noiseScaleSplit = true
        #expect(split.trajectoryFingerprint == TrainingConfiguration().trajectoryFingerprint)
        var other = TrainingConfiguration()
        other.seed = 7
        #expect(other.trajectoryFingerprint != TrainingConfiguration().trajectoryFingerprint)
    }
}
