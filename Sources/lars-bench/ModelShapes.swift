import SwiftLARS

/// A convolution of one of the benchmarked models, with the sizes its layer sees.
struct ConvSpec: Sendable {
    /// Where it sits, such as `resnet20 stage1 3x3 16->16`.
    var label: String
    var inChannels: Int
    var outChannels: Int
    /// Input height = width.
    var size: Int
    var kernel: Int
    var stride: Int
    var padding: Int
    /// How many layers of the model have this exact shape (ResNet-20 repeats its blocks).
    var count: Int

    /// Output height = width.
    var outSize: Int { (size + 2 * padding - kernel) / stride + 1 }
    /// `K` of the convolution's gemm: `Cin * kh * kw`.
    var patchSize: Int { inChannels * kernel * kernel }

    /// Whether the layer computes dL/dx (a model's first layer does not: its input is data).
    var computesInputGradient = true

    /// Largest patch matrix `Conv2D` builds at once, in floats (read from a fresh layer, so the
    /// bench follows the layer's default); bigger batches are split into chunks of whole images,
    /// which changes the gemm's `N`.
    static var columnBudget: Int {
        var generator = SeededGenerator(seed: 0)
        return Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 1, generator: &generator).columnBudget
    }

    /// Images per chunk, by `Conv2D`'s rule.
    func imagesPerChunk(batch: Int) -> Int {
        max(1, min(batch, Self.columnBudget / max(1, patchSize * outSize * outSize)))
    }

    /// The gemm calls the im2col convolution issues for one chunk of `images` (see `Im2Col`'s
    /// column layout): forward `Y[Cout, nP] = W[Cout, K] x cols[K, nP]`, weight gradient
    /// `dW[Cout, K] += dY[Cout, nP] x cols^T`, and column gradient `dcols[K, nP] = W^T x dY`.
    func gemmShapes(images: Int, suffix: String = "") -> [GEMMShape] {
        let columns = images * outSize * outSize
        var shapes = [
            GEMMShape(label: "\(label) fwd\(suffix)", transA: false, transB: false, m: outChannels, n: columns, k: patchSize),
            GEMMShape(label: "\(label) bwd dW\(suffix)", transA: false, transB: true, m: outChannels, n: patchSize, k: columns),
        ]
        if computesInputGradient {
            shapes.append(GEMMShape(label: "\(label) bwd dX\(suffix)", transA: true, transB: false, m: patchSize, n: columns, k: outChannels))
        }
        return shapes
    }

    /// The distinct gemm calls for a batch: the full chunk, and the remainder chunk if the batch
    /// does not divide evenly.
    func gemmShapes(batch: Int) -> [GEMMShape] {
        let chunk = imagesPerChunk(batch: batch)
        var shapes = gemmShapes(images: chunk, suffix: chunk < batch ? " (chunk \(chunk) img)" : "")
        if batch % chunk != 0 && chunk < batch {
            shapes += gemmShapes(images: batch % chunk, suffix: " (last chunk \(batch % chunk) img)")
        }
        return shapes
    }

    /// FLOPs of the gemms one image costs in a training step (forward, dW, dX if computed).
    var trainingFLOPsPerImage: Double { forwardFLOPsPerImage * (computesInputGradient ? 3 : 2) }

    /// Forward multiply-adds times two, per image.
    var forwardFLOPsPerImage: Double {
        2 * Double(outChannels) * Double(patchSize) * Double(outSize * outSize)
    }
}

/// A dense layer `y[N, out] = x[N, in] W^T + b`.
struct DenseSpec: Sendable {
    var label: String
    var inputs: Int
    var outputs: Int

    /// Forward `X W^T`, weight gradient `dY^T X`, input gradient `dY W` (as `Dense` issues them).
    func gemmShapes(batch: Int) -> [GEMMShape] {
        [
            GEMMShape(label: "\(label) fwd", transA: false, transB: true, m: batch, n: outputs, k: inputs),
            GEMMShape(label: "\(label) bwd dW", transA: true, transB: false, m: outputs, n: inputs, k: batch),
            GEMMShape(label: "\(label) bwd dX", transA: false, transB: false, m: batch, n: inputs, k: outputs),
        ]
    }

    var forwardFLOPsPerImage: Double { 2 * Double(inputs) * Double(outputs) }
}

/// The layers of the two benchmarked models, written out so the bench can derive their gemm
/// shapes and FLOP counts without building the models.
struct ModelSpec: Sendable {
    var name: String
    var batch: Int
    var convolutions: [ConvSpec]
    var dense: [DenseSpec]

    /// FLOPs of one training step per image: the gemms the convolutions and dense layers issue
    /// (forward, weight gradient, and input gradient except for the first layer, which does not
    /// compute it). Element-wise layers (BatchNorm, ReLU, pooling) are not counted; they are
    /// memory-bound and small in FLOPs.
    var trainingFLOPsPerImage: Double {
        convolutions.reduce(0) { $0 + Double($1.count) * $1.trainingFLOPsPerImage }
            + dense.reduce(0) { $0 + 3 * $1.forwardFLOPsPerImage }
    }

    /// Every distinct gemm the model's layers issue in one training step at `batch` (the dense
    /// layers see the whole batch; convolutions see `Conv2D`'s chunks).
    var gemmShapes: [GEMMShape] {
        convolutions.flatMap { $0.gemmShapes(batch: batch) } + dense.flatMap { $0.gemmShapes(batch: batch) }
    }

    /// The small CNN for 28x28 grey images (Fashion-MNIST): conv3x3 1->32, pool, conv3x3 32->64,
    /// pool, dense 3136->128, dense 128->10; batch 256.
    static let smallCNN = ModelSpec(
        name: "smallcnn", batch: 256,
        convolutions: [
            ConvSpec(label: "smallcnn conv1 1->32 28x28", inChannels: 1, outChannels: 32, size: 28, kernel: 3, stride: 1, padding: 1, count: 1, computesInputGradient: false),
            ConvSpec(label: "smallcnn conv2 32->64 14x14", inChannels: 32, outChannels: 64, size: 14, kernel: 3, stride: 1, padding: 1, count: 1),
        ],
        dense: [
            DenseSpec(label: "smallcnn dense 3136->128", inputs: 3136, outputs: 128),
            DenseSpec(label: "smallcnn dense 128->10", inputs: 128, outputs: 10),
        ])

    /// ResNet-20 for 32x32 colour images (CIFAR-10): a 3x3 stem, three stages of three basic blocks
    /// (16, 32, 64 channels; the first block of stages 2 and 3 halves the resolution), global
    /// average pooling and dense 64->10; batch 128. The first block of stages 2 and 3 has a 1x1
    /// stride-2 projection shortcut, as in `Models.resNet`.
    static let resNet20 = ModelSpec(
        name: "resnet20", batch: 128,
        convolutions: [
            ConvSpec(label: "resnet20 stem 3->16 32x32", inChannels: 3, outChannels: 16, size: 32, kernel: 3, stride: 1, padding: 1, count: 1, computesInputGradient: false),
            ConvSpec(label: "resnet20 stage1 16->16 32x32", inChannels: 16, outChannels: 16, size: 32, kernel: 3, stride: 1, padding: 1, count: 6),
            ConvSpec(label: "resnet20 stage2 down 16->32 s2", inChannels: 16, outChannels: 32, size: 32, kernel: 3, stride: 2, padding: 1, count: 1),
            ConvSpec(label: "resnet20 stage2 32->32 16x16", inChannels: 32, outChannels: 32, size: 16, kernel: 3, stride: 1, padding: 1, count: 5),
            ConvSpec(label: "resnet20 stage3 down 32->64 s2", inChannels: 32, outChannels: 64, size: 16, kernel: 3, stride: 2, padding: 1, count: 1),
            ConvSpec(label: "resnet20 stage3 64->64 8x8", inChannels: 64, outChannels: 64, size: 8, kernel: 3, stride: 1, padding: 1, count: 5),
            ConvSpec(label: "resnet20 stage2 shortcut 1x1 16->32 s2", inChannels: 16, outChannels: 32, size: 32, kernel: 1, stride: 2, padding: 0, count: 1),
            ConvSpec(label: "resnet20 stage3 shortcut 1x1 32->64 s2", inChannels: 32, outChannels: 64, size: 16, kernel: 1, stride: 2, padding: 0, count: 1),
        ],
        dense: [DenseSpec(label: "resnet20 dense 64->10", inputs: 64, outputs: 10)])
}
