import Foundation
import Testing

@testable import LARSOptimizers

/// Schedule values at known steps, printing, and the Codable round trip.
@Suite struct ScheduleTests {
    static func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-6 * max(1, abs(b)) }

    @Test func knownValues() {
        #expect(LearningRateSchedule.constant(0.1).value(at: 1000) == 0.1)

        let poly = LearningRateSchedule.polynomial(initial: 2, end: 0, steps: 100)
        #expect(Self.close(poly.value(at: 0), 2))
        #expect(Self.close(poly.value(at: 50), 0.5))   // 2 * (1 - 0.5)^2
        #expect(Self.close(poly.value(at: 100), 0))
        #expect(Self.close(poly.value(at: 500), 0))
        let polyEnd = LearningRateSchedule.polynomial(initial: 1, end: 1e-4, steps: 10, power: 1)
        #expect(Self.close(polyEnd.value(at: 5), 1e-4 + (1 - 1e-4) * 0.5))

        let cosine = LearningRateSchedule.cosine(initial: 1, end: 0.1, steps: 10)
        #expect(Self.close(cosine.value(at: 0), 1))
        #expect(Self.close(cosine.value(at: 5), 0.55))
        #expect(Self.close(cosine.value(at: 10), 0.1))

        let step = LearningRateSchedule.step(initial: 1, every: 30, factor: 0.1)
        #expect(Self.close(step.value(at: 29), 1) && Self.close(step.value(at: 30), 0.1) && Self.close(step.value(at: 65), 0.01))

        let multi = LearningRateSchedule.multiStep(initial: 0.4, milestones: [10, 20], factor: 0.5)
        #expect(Self.close(multi.value(at: 9), 0.4) && Self.close(multi.value(at: 10), 0.2) && Self.close(multi.value(at: 25), 0.1))
    }

    @Test func warmupRisesLinearlyIntoTheNextSchedule() {
        let paper = LearningRateSchedule.paper(base: 4, warmupSteps: 4, totalSteps: 14)
        #expect([0, 1, 2, 3].map { paper.value(at: $0) } == [1, 2, 3, 4])
        #expect(Self.close(paper.value(at: 4), 4))
        #expect(Self.close(paper.value(at: 9), 1))   // 4 * (1 - 5/10)^2
        #expect(Self.close(paper.value(at: 14), 0))
        #expect(paper == .linearWarmup(steps: 4, then: .polynomial(initial: 4, end: 0, steps: 10, power: 2)))
    }

    @Test func linearScalingRule() {
        #expect(LearningRateSchedule.linearScaling(base: 0.1, batchSize: 8192) == 3.2)
        #expect(LearningRateSchedule.linearScaling(base: 0.1, batchSize: 128) == 0.05)
    }

    @Test func codableRoundTripAndDescription() throws {
        let schedules: [LearningRateSchedule] = [
            .constant(0.1),
            .paper(base: 2, warmupSteps: 5, totalSteps: 100, end: 1e-4),
            .linearWarmup(steps: 3, then: .cosine(initial: 1, end: 0, steps: 50)),
            .step(initial: 0.1, every: 10),
            .multiStep(initial: 0.1, milestones: [5, 8], factor: 0.2),
        ]
        let data = try JSONEncoder().encode(schedules)
        let decoded = try JSONDecoder().decode([LearningRateSchedule].self, from: data)
        #expect(decoded == schedules)
        #expect(schedules[1].description == "warmup 5 steps -> poly 2.0 -> 0.0001 over 95 steps (power 2.0)")
        #expect(schedules[4].description == "multistep 0.1 x0.2 at [5, 8]")
    }

    @Test func optionsAreCodable() throws {
        let options = LARS.Options(epsilon: 1e-7, denominator: .updateNorm, nesterov: true, rateMode: .clip)
        let decoded = try JSONDecoder().decode(LARS.Options.self, from: JSONEncoder().encode(options))
        #expect(decoded == options)
    }
}
