import Foundation
import SwiftLARS

/// The `gemm` group: square products and the exact shapes the two models issue, on every backend,
/// each checked against the reference before it is timed.
enum GEMMGroup {
    /// Square sizes to run.
    static func squareSizes(quick: Bool) -> [Int] { quick ? [128, 512, 1024] : [128, 256, 512, 1024, 2048] }

    /// The model shapes to run: all of them, or in quick mode the forward product of the three
    /// shape classes that matter most (few channels, many channels, the small CNN's big conv).
    static func modelShapes(quick: Bool) -> [GEMMShape] {
        // The issue quotes ResNet-20's stage-1 forward as one gemm over the whole batch of 128
        // (N = 131072); Conv2D splits that batch into chunks, so both are measured.
        let wholeBatch = GEMMShape(label: "resnet20 stage1 16->16 32x32 fwd (whole batch, unchunked)",
                                   transA: false, transB: false, m: 16, n: 128 * 1024, k: 144)
        let all = ModelSpec.smallCNN.gemmShapes + [wholeBatch] + ModelSpec.resNet20.gemmShapes
        if !quick { return all }
        let keep = ["resnet20 stage1 16->16 32x32 fwd", "resnet20 stage3 64->64 8x8 fwd", "smallcnn conv2 32->64 14x14 fwd"]
        return all.filter { shape in keep.contains { shape.label.hasPrefix($0) } && !shape.label.contains("last chunk") }
    }

    static func run(_ bench: BenchRunner) throws {
        var shapes = squareSizes(quick: bench.quick).map(GEMMShape.square)
        shapes += modelShapes(quick: bench.quick)
        for shape in shapes { try run(shape, bench: bench) }
    }

    /// Checks and times one shape on every backend at every thread count.
    static func run(_ shape: GEMMShape, bench: BenchRunner, group: String = "gemm") throws {
        let a = FloatBuffer(count: shape.m * shape.k, seed: 1)
        let b = FloatBuffer(count: shape.k * shape.n, seed: 2)
        let c = FloatBuffer(count: shape.m * shape.n, value: 0)
        for threads in bench.threadCounts {
            for (name, backend) in bench.gemmBackends(threads: threads) {
                if name == "swift-naive" && shape.flops > bench.naiveFLOPLimit {
                    bench.skip(group, shape.label, shape: shape.description, backend: name, threads: threads, unit: .gflops,
                               "naive: \(String(format: "%.1f", shape.flops / 1e9)) GFLOP per call, too slow")
                    continue
                }
                try GEMMCheck.verify(shape, backend: backend, backendName: name, threads: threads, a: a, b: b, c: c)
                bench.time(group, shape.label, shape: shape.description, backend: name, threads: threads,
                           work: shape.flops, unit: .gflops) {
                    backend.gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                                 a: a.constPointer, b: b.constPointer, c: c.pointer)
                }
            }
        }
    }
}
