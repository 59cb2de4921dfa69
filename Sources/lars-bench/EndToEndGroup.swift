import Foundation
import SwiftLARS

/// Whole epochs of the real `Trainer` on real Fashion-MNIST, interleaved with the step benchmark
/// at the same shapes: `lars-train`'s default recipe (small CNN, LARS, batch 512, flips, one
/// replica per thread, the default convolution engine), on the first `trainLimit` training
/// images, evaluated after every epoch on a test subset of the same proportion as the full
/// sets' (one sixth).
///
/// Rows: the step (`TrainGroup.Session` at batch 512 with the trainer's replicas and engine),
/// then the epoch's training images/s (evaluation excluded, as `lars-train` reports it), its
/// ratio to the step row, and the share of each `EpochPhase` of the whole epoch. The two rows'
/// calls alternate round by round, so a load that drifts hits both alike. No CSV logs or
/// checkpoints are written (the profile of a real `lars-train` run covers them).
enum EndToEndGroup {
    static func run(_ bench: BenchRunner, directory: String = FashionMNIST.defaultDirectory) throws {
        let threads = bench.threadCounts.max()!
        let trainLimit = bench.quick ? 4096 : 16384
        let train: ImageDataset, test: ImageDataset
        do {
            train = try FashionMNIST.load(directory: directory, split: .train)
            test = try FashionMNIST.load(directory: directory, split: .test)
        } catch {
            bench.skip("end-to-end", "small-cnn epoch", shape: "batch 512", backend: "trainer", threads: threads,
                       unit: .images, "Fashion-MNIST not readable in \(directory): \(error)")
            return
        }
        let trainer = try makeTrainer(train: train, test: test, trainLimit: trainLimit, threads: threads)
        defer { BLASControl.setThreads(threads) }
        let c = trainer.configuration, plan = trainer.plan
        let context = ExecutionContext(
            backend: OpenBLASBackend(), threads: threads, convolutionEngine: plan.convolutionEngine,
            oneDNNNormalizationAndPooling: plan.oneDNNNormalizationAndPooling)
        let session = TrainGroup.Session(TrainGroup.cases[0], batch: c.batchSize, seed: 71, replicas: plan.replicas)
        let times = try interleave(trainer, session, context: context, quick: bench.quick)
        let shape = "batch \(c.batchSize), \(trainer.stepsPerEpoch) steps/epoch"
        let layers = plan.convolutionEngine == .onednn && plan.oneDNNNormalizationAndPooling ? "+bn+pool" : ""
        let backend = "\(plan.convolutionEngine) conv\(layers), \(plan.replicas) replicas"
        let flops = ModelSpec.smallCNN.trainingFLOPsPerImage
        let step = BenchRow(
            group: "end-to-end", name: "small-cnn step", shape: shape, backend: backend, threads: threads,
            timing: TimingSample(times: times.step), work: Double(c.batchSize), unit: .images, flopsPerImage: flops)
        bench.add(step)
        bench.add(BenchRow(
            group: "end-to-end", name: "small-cnn epoch", shape: shape, backend: "trainer, " + backend, threads: threads,
            timing: TimingSample(times: times.epoch), work: Double(trainer.stepsPerEpoch * c.batchSize), unit: .images,
            flopsPerImage: flops))
        let ratio = (bench.rows.last?.rate ?? 0) / (step.rate ?? .infinity)
        bench.annotateLast(String(format: "%.2fx the step row; of the epoch: ", ratio) + times.phases.sharesDescription)
    }

    /// After one warm-up of each, rounds of a few steps then one epoch: the step times, the
    /// epochs' training times (evaluation excluded) and the epochs' phases summed.
    static func interleave(
        _ trainer: Trainer, _ session: TrainGroup.Session, context: ExecutionContext, quick: Bool
    ) throws -> (step: [Double], epoch: [Double], phases: EpochPhaseTimes) {
        let stepsPerRound = quick ? 2 : 4
        var stepTimes: [Double] = [], epochTimes: [Double] = []
        var phases = EpochPhaseTimes()
        var failure: (any Error)?
        _ = try trainer.trainEpoch()  // warm-up: pages, caches, thread pools
        _ = try session.step(context)
        for _ in 0..<(quick ? 2 : 3) {
            for _ in 0..<stepsPerRound {
                let start = monotonicSeconds()
                do { try session.step(context) } catch { failure = error }
                stepTimes.append(monotonicSeconds() - start)
            }
            let metrics = try trainer.trainEpoch()
            epochTimes.append(metrics.phases.total - metrics.phases[.evaluation])
            phases = phases + metrics.phases
        }
        if let failure { throw BenchCheckError(message: "end-to-end step failed: \(failure)") }
        return (stepTimes, epochTimes, phases)
    }

    /// A trainer of `lars-train`'s default recipe on the first `trainLimit` images of `train`.
    static func makeTrainer(train: ImageDataset, test: ImageDataset, trainLimit: Int, threads: Int) throws -> Trainer {
        var c = TrainingConfiguration()
        c.cropPadding = 0  // lars-train's Fashion-MNIST default: flips only
        c.trainLimit = trainLimit
        c.testLimit = trainLimit * test.count / train.count
        c.threads = threads
        c.epochs = 8  // the default schedule; the group runs fewer epochs than this
        c.outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lars-bench-end-to-end").path
        let trainer = try Trainer(configuration: c, trainSet: train, testSet: test)
        trainer.printsProgress = false
        trainer.writesCheckpoints = false
        return trainer
    }
}
