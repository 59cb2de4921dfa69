import Foundation
import Testing
@testable import LARSTraining

@Suite struct EpochPhaseTests {
    @Test func phaseTimesAddShareAndDescribe() {
        var a = EpochPhaseTimes()
        #expect(a.total == 0 && a.share(of: .data) == 0)
        a[.data] = 1
        a[.forwardBackward] = 6
        a[.evaluation] = 1
        var b = EpochPhaseTimes()
        b[.forwardBackward] = 2
        b[.reduction] = 0.5
        b[.optimizer] = 0.25
        b[.checksAndLogs] = 0.25
        let sum = a + b
        #expect(sum.total == 11)
        #expect(sum[.forwardBackward] == 8 && sum[.reduction] == 0.5 && sum[.data] == 1)
        #expect(sum.share(of: .forwardBackward) == 8.0 / 11)
        #expect(EpochPhase.allCases.reduce(0) { $0 + sum.share(of: $1) } == 1)
        #expect(sum.sharesDescription.hasPrefix("data 9.1 %, forward/backward 72.7 %, reduction 4.5 %"))
        #expect(sum != a && a + EpochPhaseTimes() == a)
    }

    @Test func theClockChargesEachIntervalToOnePhase() {
        var clock = PhaseClock()
        usleep(2_000)
        clock.mark(.data)
        clock.mark(.optimizer)
        usleep(2_000)
        clock.markPass(replicaSumSeconds: 0.001)
        let times = clock.times
        #expect(times[.data] >= 0.002)
        #expect(times[.forwardBackward] >= 0.001)
        #expect(times[.reduction] == 0.001)
        #expect(times[.optimizer] < times[.data])
        #expect(times[.checksAndLogs] == 0 && times[.evaluation] == 0)
    }

    /// An epoch's phases are all measured, cover the epoch (training plus evaluation) and put
    /// evaluation only in evaluated epochs; two replicas report their gradient sums.
    @Test func trainEpochReportsItsPhases() throws {
        var c = quickConfiguration(output: temporaryDirectory("phases"), epochs: 2)
        c.evalEvery = 2
        c.replicas = 2
        let trainer = try Trainer(
            configuration: c, trainSet: syntheticImages(count: 128, seed: 1), testSet: syntheticImages(count: 64, seed: 2))
        trainer.printsProgress = false
        let start = monotonicSeconds()
        let first = try trainer.trainEpoch()
        let wall = monotonicSeconds() - start
        #expect(first.phases[.evaluation] == 0)
        for phase: EpochPhase in [.data, .forwardBackward, .reduction, .optimizer, .checksAndLogs] {
            #expect(first.phases[phase] > 0, "\(phase.name)")
        }
        #expect(first.phases.total <= wall)
        #expect(first.phases.total - first.phases[.checksAndLogs] <= first.seconds)
        let second = try trainer.trainEpoch()
        #expect(second.testAccuracy != nil && second.phases[.evaluation] > 0)
    }
}
