import Foundation
import Testing
import LARSCore

@Suite struct SeededGeneratorTests {
    @Test func firstOutputsArePinned() {
        // xoshiro256** seeded through SplitMix64, checked against an independent implementation.
        var zero = SeededGenerator(seed: 0)
        #expect((0..<4).map { _ in zero.next() } == [
            0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C,
        ])
        var answer = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in answer.next() } == [
            0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1,
        ])
        var unit = SeededGenerator(seed: 42)
        #expect((0..<3).map { _ in unit.nextUnitFloat() } == [0.08386296033859253, 0.37898021936416626, 0.6800433993339539])
    }

    @Test func sameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        var c = SeededGenerator(seed: 8)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
        var t1 = SeededGenerator(seed: 3)
        var t2 = SeededGenerator(seed: 3)
        #expect(Tensor(normal: [4, 5], generator: &t1) == Tensor(normal: [4, 5], generator: &t2))
    }

    @Test func savedStateContinuesTheStream() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<17 { _ = generator.next() }
        var restored = SeededGenerator(state: generator.stateWords)
        let data = try JSONEncoder().encode(generator)
        var decoded = try JSONDecoder().decode(SeededGenerator.self, from: data)
        #expect(decoded == generator)
        let expected = (0..<10).map { _ in generator.next() }
        #expect((0..<10).map { _ in restored.next() } == expected)
        #expect((0..<10).map { _ in decoded.next() } == expected)
    }

    @Test func uniformMomentsAndRange() {
        var generator = SeededGenerator(seed: 5)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0
        var lowest: Float = 1, highest: Float = 0
        for _ in 0..<n {
            let u = generator.nextUnitFloat()
            lowest = min(lowest, u); highest = max(highest, u)
            sum += Double(u); sumSquares += Double(u) * Double(u)
        }
        let mean = sum / Double(n)
        let variance = sumSquares / Double(n) - mean * mean
        #expect(lowest >= 0 && highest < 1)
        // Standard error of the mean: sqrt(1/12 / n) = 6.5e-4; allow 5 of them.
        #expect(abs(mean - 0.5) < 3.3e-3)
        #expect(abs(variance - 1.0 / 12) < 2e-3)
        let range = (0..<1000).map { _ in generator.nextFloat(in: -3, 2) }
        #expect(range.allSatisfy { $0 >= -3 && $0 < 2 })
    }

    @Test func normalMomentsAndTails() {
        var generator = SeededGenerator(seed: 6)
        let n = 200_000
        var sum = 0.0, sumSquares = 0.0, sumFourth = 0.0
        var beyondTwo = 0
        for _ in 0..<n {
            let z = Double(generator.nextNormal())
            sum += z; sumSquares += z * z; sumFourth += z * z * z * z
            if abs(z) > 2 { beyondTwo += 1 }
        }
        let mean = sum / Double(n)
        #expect(abs(mean) < 0.012)  // 5 standard errors
        #expect(abs(sumSquares / Double(n) - 1) < 0.016)
        #expect(abs(sumFourth / Double(n) - 3) < 0.1)  // kurtosis of a normal
        // P(|z| > 2) = 0.0455.
        #expect(abs(Double(beyondTwo) / Double(n) - 0.0455) < 0.0025)
    }

    @Test func nextIntIsUniformOverItsRange() {
        var generator = SeededGenerator(seed: 8)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<50_000 { counts[generator.nextInt(below: 10)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 5_000) < 350 })
    }
}
