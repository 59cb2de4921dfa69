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

    /// Images per chunk, read from a real `Conv2D` of this geometry (its `columnBudget` rule):
    /// bigger batches are split into chunks of whole images, which changes the gemm's `N`.
    func imagesPerChunk(batch: Int) -> Int {
        var generator = SeededGenerator(seed: 0)
        let layer = Conv2D(
            inputChannels: inChannels, outputChannels: outChannels, kernelSize: kernel, stride: stride, padding: padding,
            generator: &generator)
        return layer.imagesPerChunk(inputShape: [batch, inChannels, size, size])
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

/// The layers of the two benchmarked models, read from the real models (`init(name:batch:model:input:)`
/// in `ModelWalk.swift`), from which the bench derives their gemm shapes and FLOP counts.
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

    /// The small CNN for 28x28 grey images (Fashion-MNIST), as `Models.smallCNN` builds it; batch 256.
    static let smallCNN: ModelSpec = {
        var generator = SeededGenerator(seed: 0)
        return ModelSpec(name: "smallcnn", batch: 256, model: Models.smallCNN(generator: &generator), input: [1, 28, 28])
    }()

    /// ResNet-20 for 32x32 colour images (CIFAR-10), as `Models.resNet` builds it; batch 128.
    static let resNet20: ModelSpec = {
        var generator = SeededGenerator(seed: 0)
        return ModelSpec(
            name: "resnet20", batch: 128, model: Models.resNet(depth: 20, inputChannels: 3, imageSize: 32, generator: &generator),
            input: [3, 32, 32])
    }()
}
