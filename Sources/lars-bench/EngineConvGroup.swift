import Foundation
import SwiftLARS

/// Every ResNet-20 (batch 128) and small-CNN (batch 256) convolution on both engines, in
/// GFLOP/s: forward, backward-data and backward-weights. oneDNN runs its free functions
/// (`oneDNNConvolutionForward`/`Backward`) directly; im2col + OpenBLAS runs the `Conv2D` layer,
/// whose backward-weights row is a layer with `computesInputGradient` off and whose
/// backward-data figure is the difference of its full and weights-only backward medians. Each
/// engine is checked against the naive-gemm layer on two images before it is timed. oneDNN is
/// timed twice: on NCHW tensors (each call reorders to and from its blocked layout) and on the
/// blocked tensors that training hands from layer to layer (`onednn nChw8c` rows; an input with
/// channels that do not fill whole blocks, the stem's, stays NCHW).
enum EngineConvGroup {
    static func specs(quick: Bool) -> [(ConvSpec, Int)] {
        let resNet = ModelSpec.resNet20.convolutions.map { ($0, ModelSpec.resNet20.batch) }
        let small = ModelSpec.smallCNN.convolutions.map { ($0, ModelSpec.smallCNN.batch) }
        let all = resNet + small
        return quick ? all.filter { $0.0.label.contains("16->16 32x32") || $0.0.label.contains("conv2") } : all
    }

    static func run(_ bench: BenchRunner, engines: [ConvolutionEngine]) throws {
        for (spec, batch) in specs(quick: bench.quick) {
            var generator = SeededGenerator(seed: 81)
            let x = Tensor(uniform: [batch, spec.inChannels, spec.size, spec.size], lower: -1, upper: 1, generator: &generator)
            let dy = Tensor(uniform: [batch, spec.outChannels, spec.outSize, spec.outSize], lower: -1, upper: 1, generator: &generator)
            let flops = spec.forwardFLOPsPerImage * Double(batch)
            let shape = "batch \(batch), \(spec.inChannels)x\(spec.size)x\(spec.size) -> \(spec.outChannels)x\(spec.outSize)x\(spec.outSize)"
            for threads in bench.threadCounts {
                BLASControl.setThreads(threads)
                for engine in engines {
                    try check(spec, engine: engine, threads: threads)
                    switch engine {
                    case .onednn:
                        for blocked in [false, true] {
                            timeOneDNN(
                                bench, spec, x: x, dy: dy, batch: batch, flops: flops, shape: shape, threads: threads,
                                blocked: blocked)
                        }
                    case .im2col: timeOpenBLAS(bench, spec, x: x, dy: dy, flops: flops, shape: shape, threads: threads)
                    }
                }
            }
        }
    }

    static func timeOneDNN(
        _ bench: BenchRunner, _ spec: ConvSpec, x plainX: Tensor, dy plainDY: Tensor, batch: Int, flops: Double,
        shape: String, threads: Int, blocked: Bool
    ) {
        let conv = ConvLayerGroup.layer(spec, seed: 82)
        let handedOn = oneDNNHandedOnLayout(spec, x: plainX, threads: threads)
        let inputLayout = blocked && handedOn != .plain && handedOn.fits(plainX.shape) ? handedOn : .plain
        let x = plainX.stored(as: inputLayout)
        let call = OneDNNConvolutionCall(
            geometry: ConvGeometry(
                channels: spec.inChannels, height: spec.size, width: spec.size, kernelHeight: spec.kernel,
                kernelWidth: spec.kernel, strideHeight: spec.stride, strideWidth: spec.stride,
                paddingHeight: spec.padding, paddingWidth: spec.padding),
            batch: batch, outputChannels: spec.outChannels, inputLayout: inputLayout, blockedOutput: blocked,
            cache: OneDNNConvolutionCache(), threads: threads)
        var y = Tensor(zeros: plainDY.shape)
        // The layout oneDNN writes the output in, which the output gradient must have too.
        let outputLayout = y.withUnsafeMutableStorage { yb in
            x.withUnsafeStorage { xb in
                conv.weight.value.withUnsafeBufferPointer { wb in
                    call.forward(output: yb.baseAddress!, input: xb.baseAddress!, weights: wb.baseAddress!)
                }
            }
        }
        let dy = plainDY.stored(as: outputLayout)
        let name = blocked ? "onednn \(handedOn == .plain ? "blocked" : "\(handedOn)")" : "onednn"
        let row = OneDNNRow(bench: bench, spec: spec, name: name, shape: shape, flops: flops)
        timeOneDNNPasses(row, call, x: x, dy: dy, weights: conv.weight.value, output: &y)
    }

    /// The layout a oneDNN convolution of `spec`'s layer hands on: the block oneDNN chooses on
    /// this CPU (8 on AVX2, 16 on AVX-512), so that the input can be stored as training stores it.
    static func oneDNNHandedOnLayout(_ spec: ConvSpec, x: Tensor, threads: Int) -> TensorLayout {
        let probe = ConvLayerGroup.layer(spec, seed: 82)
        return probe.forward(x.batch(0..<1), context: ExecutionContext(threads: threads, convolutionEngine: .onednn)).layout
    }

    /// What every oneDNN row of one convolution shares.
    struct OneDNNRow {
        let bench: BenchRunner
        let spec: ConvSpec
        let name: String
        let shape: String
        let flops: Double

        func time(_ pass: String, threads: Int, _ body: () -> Void) {
            bench.time("engines", "conv \(pass) \(spec.label)", shape: shape, backend: name,
                       threads: threads, work: flops, unit: .gflops, body)
        }
    }

    /// Times forward, backward-data (when the layer computes it) and backward-weights.
    static func timeOneDNNPasses(
        _ row: OneDNNRow, _ call: OneDNNConvolutionCall, x: Tensor, dy: Tensor, weights: Tensor, output y: inout Tensor
    ) {
        var dx = Tensor(zeros: x.shape)
        var dw = Tensor(zeros: weights.shape)
        x.withUnsafeStorage { xb in
            dy.withUnsafeStorage { dyb in
                weights.withUnsafeBufferPointer { wb in
                    y.withUnsafeMutableStorage { yb in
                        dx.withUnsafeMutableStorage { dxb in
                            dw.withUnsafeMutableBufferPointer { dwb in
                                let (xp, dyp, wp) = (xb.baseAddress!, dyb.baseAddress!, wb.baseAddress!)
                                row.time("fwd", threads: call.threads) {
                                    _ = call.forward(output: yb.baseAddress!, input: xp, weights: wp)
                                }
                                if row.spec.computesInputGradient {
                                    row.time("bwd-data", threads: call.threads) {
                                        call.backward(inputGradient: dxb.baseAddress!, input: xp, weights: wp, outputGradient: dyp)
                                    }
                                }
                                row.time("bwd-weights", threads: call.threads) {
                                    call.backward(weightGradient: dwb.baseAddress!, input: xp, weights: wp, outputGradient: dyp)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static func timeOpenBLAS(
        _ bench: BenchRunner, _ spec: ConvSpec, x: Tensor, dy: Tensor, flops: Double, shape: String, threads: Int
    ) {
        let context = ExecutionContext(backend: OpenBLASBackend(), threads: threads, convolutionEngine: .im2col)
        let conv = ConvLayerGroup.layer(spec, seed: 82)
        bench.time("engines", "conv fwd \(spec.label)", shape: shape, backend: "openblas", threads: threads,
                   work: flops, unit: .gflops) {
            blackHole(conv.forward(x, context: context))
        }
        let weightsOnly = ConvLayerGroup.layer(spec, seed: 82)
        weightsOnly.computesInputGradient = false
        _ = weightsOnly.forward(x, context: context)
        let weightsRow = bench.time("engines", "conv bwd-weights \(spec.label)", shape: shape, backend: "openblas",
                                    threads: threads, work: flops, unit: .gflops) {
            blackHole(weightsOnly.backward(dy, context: context))
        }
        guard spec.computesInputGradient else { return }
        _ = conv.forward(x, context: context)
        let fullRow = bench.time("engines", "conv bwd-data+weights \(spec.label)", shape: shape, backend: "openblas",
                                 threads: threads, work: 2 * flops, unit: .gflops) {
            blackHole(conv.backward(dy, context: context))
        }
        if let full = fullRow.timing?.median, let weights = weightsRow.timing?.median, full > weights {
            bench.annotateLast(String(format: "bwd-data alone ~%.1f GFLOP/s (full minus weights-only)", flops / (full - weights) / 1e9))
        }
    }

    /// Forward output, dL/dx and dL/dW of one engine on two images against the layer on the
    /// naive gemm (im2col engine), to 1e-4 of the largest magnitude.
    static func check(_ spec: ConvSpec, engine: ConvolutionEngine, threads: Int) throws {
        var generator = SeededGenerator(seed: 83)
        let x = Tensor(uniform: [2, spec.inChannels, spec.size, spec.size], lower: -1, upper: 1, generator: &generator)
        let dy = Tensor(uniform: [2, spec.outChannels, spec.outSize, spec.outSize], lower: -1, upper: 1, generator: &generator)
        func run(_ context: ExecutionContext) -> [Tensor] {
            let conv = ConvLayerGroup.layer(spec, seed: 84)
            conv.computesInputGradient = true
            let y = conv.forward(x, context: context)
            return [y, conv.backward(dy, context: context), conv.weight.grad]
        }
        let reference = run(ExecutionContext(backend: SwiftBackend.naive, threads: threads, convolutionEngine: .im2col))
        let candidate = run(ExecutionContext(backend: OpenBLASBackend(), threads: threads, convolutionEngine: engine))
        for (index, what) in ["output", "dL/dx", "dL/dW"].enumerated() {
            let (r, c) = (reference[index], candidate[index])
            let scale = r.scalars.map(abs).max() ?? 0
            let diff = zip(r.scalars, c.scalars).map { abs($0 - $1) }.max() ?? 0
            if r.shape != c.shape || !(diff <= 1e-4 * max(scale, 1e-6)) {
                throw BenchCheckError(message: "conv \(spec.label), \(engine) \(threads) threads: \(what) differs from the naive gemm by \(diff) (scale \(scale))")
            }
        }
    }
}

/// One oneDNN convolution's fixed arguments: geometry, layouts, primitive cache and threads.
struct OneDNNConvolutionCall {
    let geometry: ConvGeometry
    let batch: Int
    let outputChannels: Int
    let inputLayout: TensorLayout
    let blockedOutput: Bool
    let cache: OneDNNConvolutionCache
    let threads: Int

    /// `oneDNNConvolutionForward` without bias; returns the output's layout.
    func forward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weights: UnsafePointer<Float>) -> TensorLayout {
        oneDNNConvolutionForward(
            output: output, input: input, weights: weights, bias: nil, batch: batch, geometry: geometry,
            outputChannels: outputChannels, inputLayout: inputLayout, blockedOutput: blockedOutput, cache: cache,
            threads: threads)
    }

    /// `oneDNNConvolutionBackward` for dL/dx or dL/dW (whichever is given), without bias.
    func backward(
        inputGradient: UnsafeMutablePointer<Float>? = nil, weightGradient: UnsafeMutablePointer<Float>? = nil,
        input: UnsafePointer<Float>, weights: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>
    ) {
        oneDNNConvolutionBackward(
            inputGradient: inputGradient, weightGradient: weightGradient, biasGradient: nil, input: input,
            weights: weights, outputGradient: outputGradient, batch: batch, geometry: geometry,
            outputChannels: outputChannels, inputLayout: inputLayout, blockedOutput: blockedOutput,
            inputIsFromForward: false, cache: cache, threads: threads)
    }
}
