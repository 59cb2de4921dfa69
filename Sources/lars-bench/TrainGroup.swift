import Foundation
import SwiftLARS

/// Whole training steps (zero gradients, forward, softmax cross-entropy, backward, LARS step) of
/// the small CNN at batch 256 and ResNet-20 at batch 128, in images per second, on OpenBLAS and
/// on the tuned Swift gemm. The FLOP rate behind each row counts the gemms the layers issue
/// (`ModelSpec.trainingFLOPsPerImage`), which is what the share of the gemm ceiling compares.
/// With several threads, one more row per model runs one `DataParallel` replica per thread with
/// single-threaded OpenBLAS, as `lars-train` does by default.
enum TrainGroup {
    /// One benchmarked model: its spec, a builder and the input image shape.
    struct Case {
        var spec: ModelSpec
        var imageShape: [Int]
        var build: (inout SeededGenerator) -> Sequential
    }

    static var cases: [Case] { [
        Case(spec: .smallCNN, imageShape: [1, 28, 28]) { Models.smallCNN(generator: &$0) },
        Case(spec: .resNet20, imageShape: [3, 32, 32]) { Models.resNet(depth: 20, generator: &$0) },
    ] }

    /// A model (or `replicas` of it) with its optimizer and a fixed random batch, ready to step.
    final class Session {
        let model: Sequential
        let network: any Layer
        let optimizer: any Optimizer
        let images: Tensor
        let labels: [Int]

        init(_ c: Case, batch: Int, seed: UInt64, replicas: Int = 1) {
            var generator = SeededGenerator(seed: seed)
            let initial = generator
            model = c.build(&generator)
            if replicas > 1 {
                network = DataParallel(replicas: [model] + (1..<replicas).map { _ in
                    var copy = initial
                    return c.build(&copy)
                })
            } else {
                network = model
            }
            optimizer = LARS(groups: ParameterGroup.byKind(model.namedParameters, weightDecay: 5e-4))
            images = Tensor(normal: [batch] + c.imageShape, generator: &generator)
            labels = (0..<batch).map { _ in generator.nextInt(below: 10) }
        }

        /// One training step; returns the logits and the loss.
        @discardableResult
        func step(_ context: ExecutionContext) throws -> (Tensor, Float) {
            model.zeroGrad()
            let logits = network.forward(images, context: context)
            let (loss, gradient) = softmaxCrossEntropy(logits: logits, labels: labels)
            _ = network.backward(gradient, context: context)
            try optimizer.step(learningRate: 0.1, context: context)
            return (logits, loss)
        }
    }

    static func run(_ bench: BenchRunner) throws {
        // A step takes seconds on this machine; quick mode runs OpenBLAS with all threads only.
        let threadCounts = bench.quick ? [bench.threadCounts.max()!] : bench.threadCounts
        for c in cases {
            let batch = c.spec.batch
            let flopsPerImage = c.spec.trainingFLOPsPerImage
            let shape = "batch \(batch), \(String(format: "%.1f", flopsPerImage / 1e6)) MFLOP/image"
            for threads in threadCounts {
                for (name, backend) in bench.gemmBackends(threads: threads) {
                    if bench.quick && name != bench.openBLASName {
                        bench.skip("train", "\(c.spec.name) step", shape: shape, backend: name, threads: threads, unit: .images,
                                   "not in --quick")
                        continue
                    }
                    if name == "swift-naive" {
                        bench.skip("train", "\(c.spec.name) step", shape: shape, backend: name, threads: threads, unit: .images,
                                   String(format: "naive: %.0f GFLOP per step", flopsPerImage * Double(batch) / 1e9))
                        continue
                    }
                    let context = ExecutionContext(backend: backend, threads: threads, convolutionEngine: .im2col)
                    try check(c, backend: backend, name: name, threads: threads)
                    let session = Session(c, batch: batch, seed: 71)
                    var failure: (any Error)?
                    bench.time("train", "\(c.spec.name) step", shape: shape, backend: name, threads: threads,
                               work: Double(batch), unit: .images, flopsPerImage: flopsPerImage, plan: bench.heavyPlan) {
                        do { try session.step(context) } catch { failure = error }
                    }
                    if let failure { throw BenchCheckError(message: "\(c.spec.name) training step failed: \(failure)") }
                }
                if threads > 1 {
                    try timeReplicas(c, threads: threads, bench: bench, shape: shape, flopsPerImage: flopsPerImage)
                }
            }
        }
    }

    /// The `DataParallel` row: `threads` replicas, each with one Swift thread and one-thread
    /// OpenBLAS (restored to `threads` afterwards).
    static func timeReplicas(
        _ c: Case, threads: Int, bench: BenchRunner, shape: String, flopsPerImage: Double,
        engine: ConvolutionEngine = .im2col, oneDNNLayers: Bool = false, group: String = "train"
    ) throws {
        BLASControl.setThreads(1)
        defer { BLASControl.setThreads(threads) }
        let name = engine == .im2col
            ? "\(bench.openBLASName), \(threads) replicas"
            : "\(engine) conv\(oneDNNLayers ? "+bn+pool" : ""), \(threads) replicas"
        let context = ExecutionContext(
            backend: OpenBLASBackend(), threads: threads, convolutionEngine: engine,
            oneDNNNormalizationAndPooling: oneDNNLayers)
        let session = Session(c, batch: c.spec.batch, seed: 71, replicas: threads)
        var failure: (any Error)?
        bench.time(group, "\(c.spec.name) step", shape: shape, backend: name, threads: threads,
                   work: Double(c.spec.batch), unit: .images, flopsPerImage: flopsPerImage, plan: bench.heavyPlan) {
            do { try session.step(context) } catch { failure = error }
        }
        if let failure { throw BenchCheckError(message: "\(c.spec.name) replica training step failed: \(failure)") }
    }

    /// Two training steps on four images must give the same logits and loss as the naive gemm.
    static func check(
        _ c: Case, backend: any KernelBackend, name: String, threads: Int, engine: ConvolutionEngine = .im2col
    ) throws {
        let reference = Session(c, batch: 4, seed: 72)
        let candidate = Session(c, batch: 4, seed: 72)
        for stepIndex in 0..<2 {
            let (rl, rLoss) = try reference.step(
                ExecutionContext(backend: SwiftBackend.naive, threads: threads, convolutionEngine: .im2col))
            let (cl, cLoss) = try candidate.step(
                ExecutionContext(backend: backend, threads: threads, convolutionEngine: engine))
            let scale = rl.scalars.map(abs).max() ?? 1
            let diff = zip(rl.scalars, cl.scalars).map { abs($0 - $1) }.max() ?? 0
            if !(diff <= 1e-3 * max(scale, 1e-3)) || !(abs(rLoss - cLoss) <= 1e-3 * max(abs(rLoss), 1)) {
                throw BenchCheckError(message: """
                    \(c.spec.name) training step \(stepIndex + 1), \(name) \(threads) threads: logits differ from the \
                    naive gemm by \(diff) (scale \(scale)), loss \(cLoss) vs \(rLoss)
                    """)
            }
        }
    }
}
