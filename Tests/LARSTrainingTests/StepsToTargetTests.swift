import Foundation
import Testing
@testable import LARSTraining

@Suite struct StepsToTargetTests {
    @Test func theFirstStepAtOrAboveEachTargetIsChosenAndAMissIsNil() {
        let points = [
            ValidationPoint(step: 4, epoch: 1, loss: 1, accuracy: 0.85),
            ValidationPoint(step: 8, epoch: 1, loss: 1, accuracy: 0.90),
            ValidationPoint(step: 12, epoch: 2, loss: 1, accuracy: 0.89),
            ValidationPoint(step: 16, epoch: 2, loss: 1, accuracy: 0.915),
        ]
        let reached = TargetReached.first(in: points, targets: [0.9, 0.91, 0.92])
        #expect(reached.map(\.step) == [8, 16, nil])
        #expect(reached.map(\.epoch) == [1, 2, nil])
        #expect(reached[2].accuracy == nil)
    }

    @Test func theDefaultIntervalIsAboutEightTimesAnEpochAndNeedsASplit() {
        var c = TrainingConfiguration()
        #expect(c.validationInterval(stepsPerEpoch: 100) == 0)  // no validation split
        c.validationCount = 100
        #expect(c.validationInterval(stepsPerEpoch: 100) == 12)
        #expect(c.validationInterval(stepsPerEpoch: 7) == 1)
        c.evalEverySteps = 5
        #expect(c.validationInterval(stepsPerEpoch: 100) == 5)
        c.evalEverySteps = 0
        #expect(c.validationInterval(stepsPerEpoch: 100) == 0)
    }

    @Test func badSettingsAreRefusedWithTheFlagsName() {
        var c = quickConfiguration(output: "x")
        c.targets = [1.5]
        #expect { try c.validate() } throws: { "\($0)".contains("--targets") }
        c.targets = nil
        c.stopAtTarget = true
        #expect { try c.validate() } throws: { "\($0)".contains("give --validation") }
        c.validationCount = 16
        c.evalEverySteps = -1
        #expect { try c.validate() } throws: { "\($0)".contains("--eval-every-steps") }
    }

    /// A tiny cell: 96 training images, 32 held out, batch 32 (3 steps an epoch), evaluated
    /// every step; the rate is too small to learn, so accuracy stays near chance (1 in 4).
    func tinyCell(_ name: String, targets: [Double], stop: Bool) throws -> Trainer {
        var c = quickConfiguration(output: temporaryDirectory(name), epochs: 2)
        c.validationCount = 32
        c.evalEverySteps = 1
        c.learningRate = 1e-6
        c.targets = targets
        c.stopAtTarget = stop ? true : nil
        return try trained(c)
    }

    @Test func aReachedTargetAndAMissedOneAreWrittenToTargetsCSV() throws {
        let trainer = try tinyCell("targets", targets: [0.01, 0.99], stop: false)
        #expect(trainer.step == 6)
        let log = try String(contentsOfFile: trainer.files.validationSteps, encoding: .utf8).split(separator: "\n")
        #expect(log.count == 1 + 6)  // header, one row per step
        let rows = try String(contentsOfFile: trainer.files.targets, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows[0] == "target,step,epoch,images,validation_accuracy,eval_every_steps")
        #expect(rows[1].hasPrefix("0.0100,1,1,32,"))
        #expect(rows[2] == "0.9900,,,,,1")
    }

    @Test func stopAtTargetEndsTheRunAtTheFirstStepThatReachesIt() throws {
        let trainer = try tinyCell("stop", targets: [0.01], stop: true)
        #expect(trainer.step == 1)
        #expect(trainer.history.count == 1)
        #expect(trainer.history[0].validationAccuracy != nil)
        let outcome = try RunOutcome.read(from: trainer.files.outcome)
        #expect(outcome.state == .finished)
        #expect(outcome.reason.contains("stopped at step 1"))
    }
}
