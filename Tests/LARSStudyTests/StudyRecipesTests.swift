import Foundation
import Testing
@testable import LARSStudy

/// The learning-rate rules give the values docs/study.md documents.
struct StudyRecipesTests {
    @Test func sgdFollowsTheLinearScalingRule() {
        #expect(StudyRecipes.learningRate(.sgd, batch: 256) == 0.1)
        #expect(abs(StudyRecipes.learningRate(.sgd, batch: 128) - 0.05) < 1e-12)
        #expect(abs(StudyRecipes.learningRate(.sgd, batch: 8192) - 3.2) < 1e-12)
    }

    @Test func larsGrowsWithTheCubeRootOfTheBatch() {
        #expect(StudyRecipes.learningRate(.lars, batch: 512) == 3)
        #expect(abs(StudyRecipes.learningRate(.lars, batch: 4096) - 6) < 1e-12)
        #expect(abs(StudyRecipes.learningRate(.lars, batch: 64) - 1.5) < 1e-12)
        #expect(abs(StudyRecipes.learningRate(.lars, batch: 8192) - 7.5595) < 1e-4)
    }

    @Test func sgdAndLarsRunNesterovMomentum() {
        #expect(StudyRecipes.nesterov(.sgd) && StudyRecipes.nesterov(.lars))
        #expect(!StudyRecipes.nesterov(.lamb) && !StudyRecipes.nesterov(.adamw))
        let command = LarsTrainCommand(executable: "lars-train", settings: StudySettings(output: "/tmp/x"))
        let lars = StudyRun(optimizer: .lars, batch: 512, learningRate: 3, warmupEpochs: 1, seed: 1)
        #expect(command.arguments(for: lars).contains("--nesterov"))
        let lamb = StudyRun(optimizer: .lamb, batch: 512, learningRate: 0.01, warmupEpochs: 1, seed: 1)
        #expect(!command.arguments(for: lamb).contains("--nesterov"))
    }

    @Test func adaptiveOptimizersUseTheSquareRootRuleAroundLarsTrainsDefaults() {
        #expect(StudyRecipes.learningRate(.lamb, batch: 512) == 0.01)
        #expect(abs(StudyRecipes.learningRate(.lamb, batch: 2048) - 0.02) < 1e-12)
        #expect(StudyRecipes.learningRate(.adamw, batch: 512) == 0.002)
        #expect(abs(StudyRecipes.learningRate(.adamw, batch: 128) - 0.001) < 1e-12)
    }

    @Test func warmUpIsLongerAbove2048AndAtMostAThirdOfTheRun() {
        #expect(StudyRecipes.warmupEpochs(batch: 2048, epochs: 40) == 1)
        #expect(StudyRecipes.warmupEpochs(batch: 4096, epochs: 40) == 2)
        #expect(StudyRecipes.warmupEpochs(batch: 8192, epochs: 6) == 2)
        #expect(StudyRecipes.warmupEpochs(batch: 8192, epochs: 3) == 1)
        #expect(abs(StudyRecipes.warmupEpochs(batch: 128, epochs: 2) - 2.0 / 3) < 1e-12)
    }

    @Test func searchFactorsArePowersOfTwoCentredOnTheRule() {
        #expect(StudyRecipes.searchFactors(count: 1) == [1])
        #expect(StudyRecipes.searchFactors(count: 3) == [0.5, 1, 2])
        #expect(StudyRecipes.searchFactors(count: 5) == [0.25, 0.5, 1, 2, 4])
        #expect(StudyRecipes.searchFactors(count: 4) == [0.5, 1, 2, 4])
    }

    @Test func aSearchOfThreeRunsEveryOptimizerAtHalfOnceAndTwiceItsRule() {
        var settings = StudySettings(output: "/tmp/x")
        settings.optimizers = [.sgd, .lars]
        settings.batches = [2048]
        settings.seeds = [1]
        settings.searchCount = 3
        let runs = settings.runs
        #expect(runs.count == 6)
        #expect(runs.filter { $0.optimizer == .sgd }.map(\.learningRate) == [0.4, 0.8, 1.6])
        let lars = runs.filter { $0.optimizer == .lars }.map(\.learningRate)
        #expect(lars.count == 3 && abs(lars[0] * 2 - lars[1]) < 1e-9 && abs(lars[1] * 2 - lars[2]) < 1e-9)
        #expect(abs(lars[1] - 3 * pow(4, 1.0 / 3)) < 1e-3)  // rates are kept to four digits
        #expect(Set(runs.map(\.cellKey)).count == 2)
        #expect(runs[0].directoryName == "sgd-b2048-lr0.4-s1")
    }

    @Test func theDefaultGridIsTheDocumentedOne() {
        let s = StudySettings()
        #expect(s.dataset == "fashion-mnist" && s.model == "small-cnn")
        #expect(s.optimizers == [.sgd, .lars])
        // A baseline of 64: 32x is 2,048, and 4,096 looks past it.
        #expect(s.batches == [64, 256, 1024, 2048, 4096])
        #expect(s.seeds == [1, 2] && s.epochs == 4 && s.validation == 5000 && s.searchCount == 1)
        #expect(s.targets == [0.9, 0.92])
        #expect(s.runs.map(\.directoryName).contains("lars-b4096-lr6-s1"))
        let quick = StudyRecipes.quickDefaults
        #expect(quick.batches.first == 64 && quick.batches.last == 2048 && quick.epochs == 2 && quick.trainLimit == 20000)
        let full = StudyRecipes.largeGrid
        #expect(full.batches.first == 32 && full.batches.last == 8192 && full.seeds.count == 2 && full.searchCount == 3)
    }

    @Test func overridesReplaceTheRuleAndBadSettingsAreRefused() throws {
        var s = StudySettings(output: "/tmp/x")
        s.rateOverrides = [.sgd: 1e6]
        #expect(s.runs.first { $0.optimizer == .sgd }?.learningRate == 1e6)
        #expect(s.runs.first { $0.optimizer == .sgd }?.directoryName == "sgd-b64-lr1e+06-s1")
        s.dataset = "imagenet"
        #expect(throws: StudyError.self) { try s.validate() }
        #expect(throws: StudyError.self) { try StudyOptimizer.parseList("sgd,adagrad") }
    }
}
