import Foundation
import SwiftLARS

/// BatchNorm, BatchNorm + ReLU and pooling of ResNet-20 (batch 128) and the small CNN (batch
/// 256) on both engines, through the layers in training mode (`engines` group): forward alone,
/// and forward + backward. On oneDNN, BatchNorm + ReLU is one fused primitive (a `Sequential`
/// of the two layers fuses them); on the reference it is the two layers. Rates are GB/s of the
/// least traffic the operation needs (each activation tensor read or written once: forward
/// `x, y`, backward `x, dy, dx`, so 2 and 5 tensors). Each runs on NCHW tensors and on the
/// channel-blocked `nChw8c` ones that oneDNN convolutions hand on: BatchNorm on the reference
/// engine then walks the blocks in Swift, average pooling there would only reorder (not timed),
/// and max pooling walks the blocks in Swift on either engine (one `swift walk nChw8c` row).
/// Each engine and layout is checked against the reference engine on NCHW, on two images,
/// before it is timed.
enum EngineNormPoolGroup {
    /// What runs: BatchNorm, BatchNorm followed by ReLU, or a 2x2 pooling.
    enum Operation: CaseIterable {
        case batchNorm, batchNormReLU, maxPool, avgPool

        var label: String {
            switch self {
            case .batchNorm: "batchnorm"
            case .batchNormReLU: "batchnorm+relu"
            case .maxPool: "maxpool 2x2"
            case .avgPool: "avgpool 2x2"
            }
        }

        /// A fresh layer for `channels` channels.
        func layer(channels: Int) -> any Layer {
            switch self {
            case .batchNorm: BatchNorm(featureCount: channels)
            case .batchNormReLU: Sequential([("bn", BatchNorm(featureCount: channels)), ("relu", ReLU())])
            case .maxPool: MaxPool2D(kernelSize: 2)
            case .avgPool: AvgPool2D(kernelSize: 2)
            }
        }
    }

    /// `(model, operation, [N, C, H, W])`: the BatchNorm inputs of each model (ResNet-20 stages,
    /// small-CNN blocks) and the small CNN's pooling inputs (ResNet-20 pools only globally).
    static func cases(quick: Bool) -> [(String, Operation, [Int])] {
        var list: [(String, Operation, [Int])] = []
        for op in [Operation.batchNorm, .batchNormReLU] {
            for shape in [[128, 16, 32, 32], [128, 32, 16, 16], [128, 64, 8, 8]] { list.append(("resnet20", op, shape)) }
            for shape in [[256, 32, 28, 28], [256, 64, 14, 14]] { list.append(("smallcnn", op, shape)) }
        }
        for op in [Operation.maxPool, .avgPool] {
            for shape in [[256, 32, 28, 28], [256, 64, 14, 14]] { list.append(("smallcnn", op, shape)) }
        }
        return quick ? list.filter { $0.2[1] == 32 } : list
    }

    static func run(_ bench: BenchRunner, engines: [ConvolutionEngine]) throws {
        for (model, op, shape) in cases(quick: bench.quick) {
            var generator = SeededGenerator(seed: 91)
            let x = Tensor(uniform: shape, lower: -1, upper: 1, generator: &generator)
            let probe = op.layer(channels: shape[1])
            let y = probe.forward(x, context: ExecutionContext(threads: 1, convolutionEngine: .im2col))
            let dy = Tensor(uniform: y.shape, lower: -1, upper: 1, generator: &generator)
            let bytes = Double(4 * (x.count + y.count))
            let (c, h, w) = (shape[1], shape[2], shape[3])
            let words = "batch \(shape[0]), \(c)x\(h)x\(w)"
            for threads in bench.threadCounts {
                BLASControl.setThreads(threads)
                for engine in engines {
                    let blockedRow: Bool
                    switch op {
                    case .batchNorm, .batchNormReLU: blockedRow = true
                    case .avgPool: blockedRow = engine == .onednn
                    case .maxPool: blockedRow = engine == engines[0]
                    }
                    for layout in blockedRow ? [.plain, .channelBlocked(8)] : [TensorLayout.plain] {
                        try check(op, shape: shape, engine: engine, layout: layout, threads: threads)
                        let context = ExecutionContext(
                            threads: threads, convolutionEngine: engine, oneDNNNormalizationAndPooling: true)
                        let layer = op.layer(channels: c)
                        let (xIn, dyIn) = (x.stored(as: layout), dy.stored(as: layout))
                        let name = layout == .plain ? engine.rawValue
                            : op == .maxPool ? "swift walk \(layout)" : "\(engine.rawValue) \(layout)"
                        bench.time("engines", "\(op.label) fwd \(model) \(c)x\(h)x\(w)", shape: words,
                                   backend: name, threads: threads, work: bytes, unit: .gbytes) {
                            blackHole(layer.forward(xIn, context: context))
                        }
                        bench.time("engines", "\(op.label) fwd+bwd \(model) \(c)x\(h)x\(w)", shape: words,
                                   backend: name, threads: threads, work: bytes + Double(4 * (2 * x.count + y.count)),
                                   unit: .gbytes) {
                            _ = layer.forward(xIn, context: context)
                            blackHole(layer.backward(dyIn, context: context))
                        }
                    }
                }
            }
        }
    }

    /// Output, dL/dx and the parameter gradients of `engine` on two images stored as `layout`
    /// against the reference engine on NCHW, to 1e-4 of the largest magnitude.
    static func check(
        _ op: Operation, shape: [Int], engine: ConvolutionEngine, layout: TensorLayout, threads: Int
    ) throws {
        var generator = SeededGenerator(seed: 92)
        let small = [2] + shape.dropFirst()
        let x = Tensor(uniform: small, lower: -1, upper: 1, generator: &generator)
        func run(_ engine: ConvolutionEngine, _ layout: TensorLayout) -> [Tensor] {
            let context = ExecutionContext(
                threads: threads, convolutionEngine: engine, oneDNNNormalizationAndPooling: true)
            let layer = op.layer(channels: shape[1])
            let y = layer.forward(x.stored(as: layout), context: context)
            var g = SeededGenerator(seed: 93)
            let dy = Tensor(uniform: y.shape, lower: -1, upper: 1, generator: &g).stored(as: layout)
            let dx = layer.backward(dy, context: context)
            return [y, dx] + layer.namedParameters.map(\.parameter.grad)
        }
        let (reference, candidate) = (run(.im2col, .plain), run(engine, layout))
        for (index, (r, c)) in zip(reference, candidate).enumerated() {
            let scale = r.scalars.map(abs).max() ?? 0
            let diff = zip(r.scalars, c.scalars).map { abs($0 - $1) }.max() ?? 0
            if r.shape != c.shape || !(diff <= 1e-4 * max(scale, 1e-6)) {
                throw BenchCheckError(message: "\(op.label) \(shape), \(engine) \(layout) \(threads) threads: result \(index) differs from the reference engine by \(diff) (scale \(scale))")
            }
        }
    }
}
