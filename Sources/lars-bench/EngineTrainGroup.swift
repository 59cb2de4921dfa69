import Foundation
import SwiftLARS

/// Whole training steps of the small CNN (batch 256) and ResNet-20 (batch 128) per convolution
/// engine, in images per second: one model whose kernels use all threads, and (with several
/// threads) one `DataParallel` replica per thread with single-threaded kernels, as `lars-train`
/// runs by default. Each engine's step is checked against the naive gemm first.
/// `Scripts/compare-pytorch.py` reads these rows (`--filter engine-train --csv`).
enum EngineTrainGroup {
    static func run(_ bench: BenchRunner, engines: [ConvolutionEngine]) throws {
        for c in TrainGroup.cases {
            let batch = c.spec.batch
            let flopsPerImage = c.spec.trainingFLOPsPerImage
            let shape = "batch \(batch), \(String(format: "%.1f", flopsPerImage / 1e6)) MFLOP/image"
            for threads in bench.threadCounts {
                for engine in engines {
                    BLASControl.setThreads(threads)
                    try TrainGroup.check(c, backend: OpenBLASBackend(), name: "\(engine)", threads: threads, engine: engine)
                    if threads > 1 {
                        try TrainGroup.timeReplicas(
                            c, threads: threads, bench: bench, shape: shape, flopsPerImage: flopsPerImage,
                            engine: engine, group: "engine-train")
                        // BatchNorm(+ReLU) and pooling on oneDNN too, activations blocked (the default).
                        if engine == .onednn {
                            try TrainGroup.timeReplicas(
                                c, threads: threads, bench: bench, shape: shape, flopsPerImage: flopsPerImage,
                                engine: engine, oneDNNLayers: true, group: "engine-train")
                        }
                    }
                    if bench.quick && threads > 1 { continue }
                    let context = ExecutionContext(
                        backend: OpenBLASBackend(), threads: threads, convolutionEngine: engine,
                        oneDNNNormalizationAndPooling: false)
                    let session = TrainGroup.Session(c, batch: batch, seed: 71)
                    var failure: (any Error)?
                    bench.time("engine-train", "\(c.spec.name) step", shape: shape, backend: "\(engine) conv, 1 model",
                               threads: threads, work: Double(batch), unit: .images, flopsPerImage: flopsPerImage,
                               plan: bench.heavyPlan) {
                        do { try session.step(context) } catch { failure = error }
                    }
                    if let failure { throw BenchCheckError(message: "\(c.spec.name) training step failed: \(failure)") }
                }
            }
        }
    }
}
