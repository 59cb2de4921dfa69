import Foundation
import SwiftLARS

/// Each convolution layer of ResNet-20 (the `Conv2D` of LARSNN, im2col + gemm + layout permute)
/// forward and backward at batch 128, on OpenBLAS and on the tuned Swift gemm. The naive gemm
/// (im2col engine; `EngineGroup` compares it with oneDNN) is skipped at this batch (seconds per layer) but is the oracle of the check, which runs the
/// same layer on two images.
enum ConvLayerGroup {
    static func specs(quick: Bool) -> [ConvSpec] {
        let all = ModelSpec.resNet20.convolutions
        return quick ? all.filter { $0.label.contains("stage1 16->16") || $0.label.contains("stage3 64->64") } : all
    }

    static func layer(_ spec: ConvSpec, seed: UInt64) -> Conv2D {
        var generator = SeededGenerator(seed: seed)
        let conv = Conv2D(inputChannels: spec.inChannels, outputChannels: spec.outChannels, kernelSize: spec.kernel,
                          stride: spec.stride, padding: spec.padding, bias: false, generator: &generator)
        conv.computesInputGradient = spec.computesInputGradient
        return conv
    }

    static func run(_ bench: BenchRunner) throws {
        let batch = ModelSpec.resNet20.batch
        for spec in specs(quick: bench.quick) {
            var generator = SeededGenerator(seed: 61)
            let x = Tensor(uniform: [batch, spec.inChannels, spec.size, spec.size], lower: -1, upper: 1, generator: &generator)
            let dy = Tensor(uniform: [batch, spec.outChannels, spec.outSize, spec.outSize], lower: -1, upper: 1, generator: &generator)
            let forwardFLOPs = spec.forwardFLOPsPerImage * Double(batch)
            let backwardFLOPs = forwardFLOPs * (spec.computesInputGradient ? 2 : 1)
            let shape = "batch \(batch), \(spec.inChannels)x\(spec.size)x\(spec.size) -> \(spec.outChannels)x\(spec.outSize)x\(spec.outSize)"
            for threads in bench.threadCounts {
                for (name, backend) in bench.gemmBackends(threads: threads) where name != "swift-naive" {
                    try check(spec, backend: backend, name: name, threads: threads)
                    let conv = layer(spec, seed: 62)
                    let context = ExecutionContext(backend: backend, threads: threads, convolutionEngine: .im2col)
                    bench.time("conv", "layer fwd \(spec.label)", shape: shape, backend: name, threads: threads,
                               work: forwardFLOPs, unit: .gflops) {
                        blackHole(conv.forward(x, context: context))
                    }
                    annotateGEMMShare(bench, spec: spec, pass: "fwd", backend: name, threads: threads)
                    _ = conv.forward(x, context: context)
                    bench.time("conv", "layer bwd \(spec.label)", shape: shape, backend: name, threads: threads,
                               work: backwardFLOPs, unit: .gflops) {
                        blackHole(conv.backward(dy, context: context))
                    }
                    annotateGEMMShare(bench, spec: spec, pass: "bwd", backend: name, threads: threads)
                }
            }
        }
    }

    /// Notes how much of the layer's median time its gemm calls take (from the gemm group's rows
    /// of the same shapes, backend and threads), which tells a gemm-bound layer from one held
    /// back by im2col, col2im and layout permutes.
    static func annotateGEMMShare(_ bench: BenchRunner, spec: ConvSpec, pass: String, backend: String, threads: Int) {
        guard let layerTime = bench.rows.last?.timing?.median else { return }
        let batch = ModelSpec.resNet20.batch
        let chunk = spec.imagesPerChunk(batch: batch)
        var calls: [(GEMMShape, Int)] = spec.gemmShapes(images: chunk, suffix: chunk < batch ? " (chunk \(chunk) img)" : "")
            .map { ($0, batch / chunk) }
        if batch % chunk != 0 {
            calls += spec.gemmShapes(images: batch % chunk, suffix: " (last chunk \(batch % chunk) img)").map { ($0, 1) }
        }
        var gemmTime = 0.0
        for (shape, times) in calls where shape.label.contains(" \(pass)") {
            guard let row = bench.rows.first(where: {
                $0.group == "gemm" && $0.name == shape.label && $0.backend == backend && $0.threads == threads
            }), let t = row.timing?.median else { return }
            gemmTime += t * Double(times)
        }
        bench.annotateLast(String(format: "gemm %.0f%% of layer time", 100 * gemmTime / layerTime))
    }

    /// Forward output, input gradient and weight gradient on two images against the layer run
    /// on the naive gemm.
    static func check(_ spec: ConvSpec, backend: any KernelBackend, name: String, threads: Int) throws {
        var generator = SeededGenerator(seed: 63)
        let x = Tensor(uniform: [2, spec.inChannels, spec.size, spec.size], lower: -1, upper: 1, generator: &generator)
        let dy = Tensor(uniform: [2, spec.outChannels, spec.outSize, spec.outSize], lower: -1, upper: 1, generator: &generator)
        func run(_ backend: any KernelBackend) -> (Tensor, Tensor, Tensor) {
            let conv = layer(spec, seed: 64)
            let context = ExecutionContext(backend: backend, threads: threads, convolutionEngine: .im2col)
            let y = conv.forward(x, context: context)
            let dx = conv.backward(dy, context: context)
            return (y, dx, conv.weight.grad)
        }
        let reference = run(SwiftBackend.naive)
        let candidate = run(backend)
        for (what, r, c) in [("output", reference.0, candidate.0), ("dL/dx", reference.1, candidate.1), ("dL/dW", reference.2, candidate.2)] {
            let scale = r.scalars.map(abs).max() ?? 0
            let diff = zip(r.scalars, c.scalars).map { abs($0 - $1) }.max() ?? 0
            if r.shape != c.shape || !(diff <= 1e-4 * max(scale, 1e-6)) {
                throw BenchCheckError(message: "conv layer \(spec.label), \(name) \(threads) threads: \(what) differs from the naive gemm by \(diff) (scale \(scale))")
            }
        }
    }
}
