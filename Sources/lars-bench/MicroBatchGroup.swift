import Foundation
import SwiftLARS

/// Large batches through micro-batches, timed as `lars-train` runs them: one `Trainer` step
/// (loader, micro-batch passes on replicas, gradient sums, LARS step) on synthetic images.
///
/// Rows: the small CNN at batch 512 (one pass) against batch 8,192 (16 micro-batches of 512)
/// and, in full mode, 32,768, with each step's peak memory from a child process; then the
/// micro-batch sweep behind the default size per process (`TrainingPlan.defaultMicroBatchLimit(model:)`).
enum MicroBatchGroup {
    /// A trainer whose every `trainEpoch()` is one optimizer step of `batch` images, cut into
    /// micro-batches of at most `microBatch` images.
    static func stepper(model: String, batch: Int, microBatch: Int?, threads: Int) throws -> Trainer {
        var c = TrainingConfiguration()
        c.dataset = "synthetic"
        c.model = ModelName(rawValue: model)
        c.batchSize = batch
        c.microBatchLimit = microBatch
        c.trainLimit = batch
        c.epochs = 1_000_000
        c.evalEvery = 1_000_000
        c.threads = threads
        c.warmupEpochs = 0
        c.outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("lars-bench-micro").path
        let side = model.hasPrefix("resnet") ? 32 : 28, channels = model.hasPrefix("resnet") ? 3 : 1
        var generator = SeededGenerator(seed: 5)
        let pixels = (0..<(batch * channels * side * side)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let images = ImageDataset(
            name: "random", images: pixels, labels: (0..<batch).map { $0 % 10 }, channels: channels, height: side,
            width: side, classCount: 10)
        let test = ImageDataset(
            name: "random-test", images: Array(pixels[0..<(channels * side * side * 10)]), labels: Array(0..<10),
            channels: channels, height: side, width: side, classCount: 10)
        let plan = try TrainingPlan(resolving: c, processes: 1)
        BLASControl.setThreads(plan.threadsPerReplica)
        let trainer = try Trainer(configuration: c, trainSet: images, testSet: test, plan: plan)
        trainer.printsProgress = false
        trainer.writesCheckpoints = false
        return trainer
    }

    static func run(_ bench: BenchRunner) throws {
        let threads = bench.threadCounts.max()!
        defer { BLASControl.setThreads(threads) }
        var base: (rate: Double, memory: Double)?
        for batch in bench.quick ? [512, 8192] : [512, 8192, 32768] {
            let trainer = try stepper(model: "small-cnn", batch: batch, microBatch: nil, threads: threads)
            let k = trainer.plan.microBatches
            var failure: (any Error)?
            let row = bench.time(
                "microbatch", "small-cnn step", shape: "batch \(batch) = \(k) x \(batch / k)", backend: "trainer, \(threads) replicas",
                threads: threads, work: Double(batch), unit: .images, flopsPerImage: ModelSpec.smallCNN.trainingFLOPsPerImage,
                plan: bench.heavyPlan
            ) {
                do { _ = try trainer.trainEpoch() } catch { failure = error }
            }
            if let failure { throw BenchCheckError(message: "batch \(batch) step failed: \(failure)") }
            let memory = try peakMemoryOfChild(batch: batch, threads: threads)
            var note = String(format: "peak RSS %.2f GB (child process, 2 steps)", memory / 1e9)
            if let base, let rate = row.rate {
                note += String(format: "; %.2fx the images/s and %.2fx the memory of batch 512", rate / base.rate, memory / base.memory)
            } else if let rate = row.rate {
                base = (rate, memory)
            }
            bench.annotateLast(note)
        }
        try sweep(bench, threads: threads)
    }

    /// The micro-batch sizes around the default, per replica, for each model.
    static func sweep(_ bench: BenchRunner, threads: Int) throws {
        let cases: [(model: String, batch: Int, perReplica: [Int], flops: Double)] = [
            ("small-cnn", 2048, bench.quick ? [128, 256, 512] : [64, 128, 256, 512], ModelSpec.smallCNN.trainingFLOPsPerImage),
            ("resnet20", 512, bench.quick ? [64, 128, 256] : [32, 64, 128, 256], ModelSpec.resNet20.trainingFLOPsPerImage),
        ]
        for c in cases {
            for perReplica in c.perReplica {
                let trainer = try stepper(model: c.model, batch: c.batch, microBatch: perReplica * threads, threads: threads)
                let k = trainer.plan.microBatches
                var failure: (any Error)?
                bench.time(
                    "microbatch", "\(c.model) step", shape: "batch \(c.batch) = \(k) x \(c.batch / k), \(perReplica)/replica",
                    backend: "trainer, \(threads) replicas", threads: threads, work: Double(c.batch), unit: .images,
                    flopsPerImage: c.flops, plan: bench.heavyPlan
                ) {
                    do { _ = try trainer.trainEpoch() } catch { failure = error }
                }
                if let failure { throw BenchCheckError(message: "\(c.model) micro-batch \(perReplica) failed: \(failure)") }
                if perReplica * threads == TrainingPlan.defaultMicroBatchLimit(model: ModelName(rawValue: c.model)) {
                    bench.annotateLast("the default micro-batch")
                }
            }
        }
    }

    /// Peak resident memory, bytes, of a child `lars-bench --memory-child` running two steps of
    /// `batch` images: a fresh process, so that nothing this one allocated counts.
    static func peakMemoryOfChild(batch: Int, threads: Int) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["--memory-child", "\(batch)", "--threads", "\(threads)", "--quiet"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, let kilobytes = Double(text.split(separator: "\n").last ?? "") else {
            throw BenchCheckError(message: "the memory child for batch \(batch) failed (status \(process.terminationStatus)): \(text)")
        }
        return kilobytes * 1024
    }

    /// The child's work: two steps, then its peak resident set size in kilobytes on stdout.
    static func memoryChild(batch: Int, threads: Int) throws {
        HeapTuning.keepLargeBlocksInHeap()
        let trainer = try stepper(model: "small-cnn", batch: batch, microBatch: nil, threads: threads)
        for _ in 0..<2 { _ = try trainer.trainEpoch() }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(usage.ru_maxrss)
    }
}
