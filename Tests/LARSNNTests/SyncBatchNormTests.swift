import Foundation
import Testing
import LARSNN
import LARSTestSupport

/// A reducer for one process: the sum over a group of one is the value itself.
final class IdentityReducer: BatchStatisticsReducer {
    var calls = 0
    func sum(_ values: UnsafeMutableBufferPointer<Double>) { calls += 1 }
}

/// `processes` processes that all hold the same batch: each sum is `processes` times the value.
final class ReplicatedReducer: BatchStatisticsReducer {
    let processes: Double
    init(processes: Int) { self.processes = Double(processes) }
    func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        for i in values.indices { values[i] *= processes }
    }
}

/// Two "ranks" on two threads summing through shared memory: each `sum` waits for the other
/// rank's call of the same round, like MPI_Allreduce.
final class TwoThreadReduction: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [Double]?
    private var result: [Double] = []
    private var round = 0

    func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        condition.lock()
        defer { condition.unlock() }
        if let other = pending {
            precondition(other.count == values.count, "TwoThreadReduction: lengths differ")
            result = zip(other, values).map { $0 + $1 }
            pending = nil
            round += 1
            condition.broadcast()
        } else {
            pending = Array(values)
            let myRound = round
            while round == myRound { condition.wait() }
        }
        for i in values.indices { values[i] = result[i] }
    }

    /// One rank's handle.
    final class Rank: BatchStatisticsReducer {
        let shared: TwoThreadReduction
        init(_ shared: TwoThreadReduction) { self.shared = shared }
        func sum(_ values: UnsafeMutableBufferPointer<Double>) { shared.sum(values) }
    }
}

/// Moves a non-Sendable value to another thread whose use of it ends before it is read again.
final class Handoff<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

@Suite struct SyncBatchNormTests {
    func makeLayer(_ channels: Int, seed: UInt64) -> BatchNorm {
        var g = SeededGenerator(seed: seed)
        let bn = BatchNorm(featureCount: channels)
        bn.scale.value = Tensor(normal: [channels], mean: 1, standardDeviation: 0.3, generator: &g)
        bn.shift.value = Tensor(normal: [channels], generator: &g)
        return bn
    }

    /// Forward, backward, running statistics and parameter gradients of one training step, on
    /// the OpenBLAS engine: a layer with a reducer always runs BatchNorm in Swift (oneDNN's
    /// primitive takes no reducer), and pinning the engine keeps the comparison in Swift even
    /// if oneDNN BatchNorm becomes the default.
    func step(_ bn: BatchNorm, _ x: Tensor, _ dy: Tensor, threads: Int = 2) -> [[Float]] {
        let context = ExecutionContext(isTraining: true, threads: threads, convolutionEngine: .im2col)
        bn.zeroGrad()
        let y = bn.forward(x, context: context)
        let dx = bn.backward(dy, context: context)
        return [y.scalars, dx.scalars, bn.runningMean.value.scalars, bn.runningVariance.value.scalars,
                bn.scale.grad.scalars, bn.shift.grad.scalars]
    }

    @Test(arguments: [[6, 3, 4, 5], [9, 4]])
    func identityReducerGivesTheLocalResultsExactly(_ shape: [Int]) {
        var g = SeededGenerator(seed: 7)
        let x = Tensor(normal: shape, mean: 0.5, standardDeviation: 2, generator: &g)
        let dy = Tensor(normal: shape, generator: &g)
        let local = makeLayer(shape[1], seed: 3)
        let synced = makeLayer(shape[1], seed: 3)
        let reducer = IdentityReducer()
        synced.statisticsReducer = reducer
        for _ in 0..<2 { #expect(step(local, x, dy) == step(synced, x, dy)) }
        #expect(reducer.calls == 6, "two calls per forward, one per backward")
        // Evaluation never reduces.
        _ = synced.forward(x, context: ExecutionContext(isTraining: false))
        #expect(reducer.calls == 6)
    }

    @Test func gradientsWithAReducerMatchFiniteDifferences() {
        var g = SeededGenerator(seed: 11)
        let bn = makeLayer(3, seed: 5)
        bn.statisticsReducer = IdentityReducer()
        let input = Tensor(normal: [3, 3, 2, 2], mean: 0.5, standardDeviation: 2, generator: &g)
        let report = layerGradientReport(bn, input: input, backend: .openblas)
        #expect(report.passed, "\(report)")
    }

    @Test func replicatedBatchesKeepTheStatisticsAndUseTheGlobalCount() {
        // Two processes with the same 4 values per channel: the mean, the biased variance and
        // dx are those of one process, but the unbiased running variance uses M = 8.
        var g = SeededGenerator(seed: 13)
        let x = Tensor(normal: [4, 2], generator: &g)
        let dy = Tensor(normal: [4, 2], generator: &g)
        let local = makeLayer(2, seed: 1)
        let synced = makeLayer(2, seed: 1)
        synced.statisticsReducer = ReplicatedReducer(processes: 2)
        let a = step(local, x, dy), b = step(synced, x, dy)
        #expect(maxAbsoluteError(a[0], b[0]) < 1e-6)
        #expect(maxAbsoluteError(a[1], b[1]) < 1e-6)
        #expect(maxAbsoluteError(a[2], b[2]) < 1e-6)
        // running = 0.9 + 0.1 * v * M / (M - 1): compare the batch parts.
        for ch in 0..<2 {
            let biased = (a[3][ch] - 0.9) / 0.1 * 3 / 4
            #expect(abs((b[3][ch] - 0.9) / 0.1 - biased * 8 / 7) < 1e-4)
        }
        // Parameter gradients stay this process's own sums.
        #expect(a[4] == b[4] && a[5] == b[5])
    }

    @Test(arguments: [[8, 3, 2, 3], [10, 4]])
    func twoShardsOnTwoThreadsMatchTheWholeBatch(_ shape: [Int]) throws {
        var g = SeededGenerator(seed: 17)
        let x = Tensor(normal: shape, mean: -1, standardDeviation: 3, generator: &g)
        let dy = Tensor(normal: shape, generator: &g)
        let whole = step(makeLayer(shape[1], seed: 2), x, dy)

        let half = shape[0] / 2
        let rowSize = x.count / shape[0]
        func rows(_ t: Tensor, _ r: Range<Int>) -> Tensor {
            Tensor(shape: [r.count] + shape.dropFirst(), scalars: Array(t.scalars[(r.lowerBound * rowSize)..<(r.upperBound * rowSize)]))
        }
        let shared = TwoThreadReduction()
        let results = Handoff<[[[Float]]]>([[], []])
        let layers = Handoff([makeLayer(shape[1], seed: 2), makeLayer(shape[1], seed: 2)])
        let inputs = Handoff([(rows(x, 0..<half), rows(dy, 0..<half)), (rows(x, half..<shape[0]), rows(dy, half..<shape[0]))])
        let done = DispatchGroup()
        for rank in 0..<2 {
            done.enter()
            Thread {
                let bn = layers.value[rank]
                bn.statisticsReducer = TwoThreadReduction.Rank(shared)
                let (xs, dys) = inputs.value[rank]
                let r = self.step(bn, xs, dys, threads: 1)
                shared.withLock { results.value[rank] = r }
                done.leave()
            }.start()
        }
        #expect(done.wait(timeout: .now() + 30) == .success, "the two ranks deadlocked")
        let (r0, r1) = (results.value[0], results.value[1])
        // Outputs and dx: the two halves concatenated are the whole batch's.
        #expect(maxAbsoluteError(r0[0] + r1[0], whole[0]) < 1e-5)
        #expect(maxAbsoluteError(r0[1] + r1[1], whole[1]) < 1e-5)
        // Running statistics: identical on both ranks and equal to the whole batch's.
        #expect(r0[2] == r1[2] && r0[3] == r1[3])
        #expect(maxAbsoluteError(r0[2], whole[2]) < 1e-6 && maxAbsoluteError(r0[3], whole[3]) < 1e-5)
        // Parameter gradients are local; their sum over the ranks is the whole batch's.
        #expect(maxAbsoluteError(zip(r0[4], r1[4]).map { $0 + $1 }, whole[4]) < 1e-5)
        #expect(maxAbsoluteError(zip(r0[5], r1[5]).map { $0 + $1 }, whole[5]) < 1e-5)
    }

    @Test func theHelperReachesEveryBatchNormInAModel() {
        var g = SeededGenerator(seed: 1)
        let model = Sequential([
            ("conv", Conv2D(inputChannels: 3, outputChannels: 4, kernelSize: 3, padding: 1, generator: &g)),
            ("bn", BatchNorm(featureCount: 4)),
            ("block", ResidualBlock(inputChannels: 4, outputChannels: 8, stride: 2, generator: &g)),
            ("inner", Sequential([("block", ResidualBlock(inputChannels: 8, outputChannels: 8, generator: &g))])),
        ])
        #expect(model.namedLayers.filter { $0.layer is BatchNorm }.map(\.path) == [
            "bn", "block.bn1", "block.bn2", "block.shortcut.bn", "inner.block.bn1", "inner.block.bn2",
        ])
        let reducer = IdentityReducer()
        #expect(model.setBatchStatisticsReducer(reducer) == 6)
        #expect(model.batchNormLayers.allSatisfy { $0.statisticsReducer === reducer })
        model.setBatchStatisticsReducer(nil)
        #expect(model.batchNormLayers.allSatisfy { $0.statisticsReducer == nil })
    }
}

extension TwoThreadReduction {
    func withLock(_ body: () -> Void) {
        condition.lock()
        body()
        condition.unlock()
    }
}
