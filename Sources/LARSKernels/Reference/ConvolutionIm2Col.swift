// The `im2col` convolution engine (`ConvolutionEngine.im2col`): im2col + `gemm` on a
// `KernelBackend` (OpenBLAS or the Swift kernels), as free functions over raw NCHW pointers with
// the shapes in their signatures (the oneDNN engine's functions, `oneDNNConvolutionForward`/
// `Backward`, have the same shape). `ConvolutionKernels` calls them for `Conv2D`.
//
// The images of a chunk (the whole batch unless its patch matrix would exceed `columnBudget`
// floats) are laid side by side as columns (see `Im2Col`), so forward is one `gemm`
// `W[Cout, K] x cols[K, n*P]` (then a permute to NCHW) and backward is one `gemm` for
// `dW += dY cols^T`. dL/dx is either `dcols = W^T dY` followed by `col2im`, or, for stride 1,
// same padding and `Cout <= C` (every stride-1 convolution of a CIFAR ResNet), a forward
// convolution of dY with the flipped kernel, whose `gemm` has depth `Cout*k*k` instead of
// `Cout`. The patch matrix is rebuilt in backward instead of cached: caching it would hold a
// `K x N*P` matrix per layer (75 MB for one ResNet-20 stage-1 layer at batch 128).

/// Scratch memory of the im2col + `gemm` convolution (patch matrix, channel-major `gemm`
/// output, flipped kernel), grown on demand and never shrunk, so a steady training loop
/// allocates it once. Owned by one layer, so each `DataParallel` replica has its own; not for
/// use by two threads at once.
public final class Im2ColConvolutionWorkspace: @unchecked Sendable {
    enum Slot: Int, CaseIterable {
        /// The patch matrix `[K, n*P]` of one chunk, or `dcols` in backward.
        case columns
        /// `[Cout, n*P]`: the forward `gemm`'s output or dY permuted channel-major.
        case gemmOutput
        /// The flipped, transposed kernel `[C, Cout, k, k]` of the input gradient by convolution.
        case flippedWeights
    }
    private var buffers = [UnsafeMutableRawPointer?](repeating: nil, count: Slot.allCases.count)
    private var capacities = [Int](repeating: 0, count: Slot.allCases.count)

    /// An empty workspace.
    public init() {}

    deinit {
        for buffer in buffers { buffer?.deallocate() }
    }

    /// At least `count` writable floats for `slot` (contents unspecified), valid until the next
    /// request for the same slot. Cache-line (64-byte) aligned, so that how the 32-byte vector
    /// stores of im2col fall on cache lines does not depend on the address `malloc` returns
    /// (no speed difference was measurable against unaligned buffers on a noisy 2-vCPU EPYC).
    func buffer(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        let i = slot.rawValue
        if capacities[i] < count {
            buffers[i]?.deallocate()
            buffers[i] = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            capacities[i] = count
        }
        return buffers[i]!.bindMemory(to: Float.self, capacity: capacities[i])
    }
}

/// Images per im2col chunk: the whole `batch` unless its patch matrix
/// (`g.patchSize x images * g.outputPixels` floats) would exceed `columnBudget` floats; at
/// least 1.
public func im2colConvolutionImagesPerChunk(batch: Int, geometry g: ConvGeometry, columnBudget: Int) -> Int {
    max(1, min(batch, columnBudget / max(1, g.patchSize * g.outputPixels)))
}

/// Convolution forward on im2col + `gemm`: `y = conv(x, w) + b`.
///
/// - `y`: output `[batch, outputChannels, g.outputHeight, g.outputWidth]`, NCHW, overwritten.
/// - `x`: input `[batch, g.channels, g.height, g.width]`, NCHW.
/// - `w`: weights `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]`, OIHW (read as
///   the `[outputChannels, g.patchSize]` matrix).
/// - `b`: bias `[outputChannels]`, or `nil` for none.
/// - `columnBudget`: largest patch matrix built at once, in floats (see
///   `im2colConvolutionImagesPerChunk`).
/// - `backend` runs the `gemm`s; `threads` is the thread count of the im2col, permute and bias loops.
public func im2colConvolutionForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    bias b: UnsafePointer<Float>?, batch: Int, geometry g: ConvGeometry, outputChannels: Int, columnBudget: Int,
    workspace: Im2ColConvolutionWorkspace, backend: any KernelBackend, threads: Int
) {
    convolveInChunks(
        output: y, input: x, weights: w, batch: batch, geometry: g, outputChannels: outputChannels,
        columnBudget: columnBudget, workspace: workspace, backend: backend, threads: threads)
    if let b {
        ChannelOps.addBias(
            b, to: y, images: batch, channels: outputChannels, pixels: g.outputPixels, threads: threads)
    }
}

/// Convolution backward on im2col + `gemm`: `dx = conv_backward_data(dy, w)` (when `dx` is
/// given), `dw += conv_backward_weights(x, dy)` (when `dw` is given) and `db += sum of dy over
/// images and pixels` (when `db` is given).
///
/// - `dx`: input gradient `[batch, g.channels, g.height, g.width]`, NCHW, overwritten; `nil` to
///   skip it (a first layer).
/// - `dw`: weight gradient `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]`,
///   accumulated into; `nil` to skip it.
/// - `db`: bias gradient `[outputChannels]`, accumulated into (Double sums per channel), or `nil`.
/// - `x`: the forward's input `[batch, g.channels, g.height, g.width]`, NCHW.
/// - `w`: weights `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]`, OIHW.
/// - `dy`: output gradient `[batch, outputChannels, g.outputHeight, g.outputWidth]`, NCHW.
/// - `columnBudget`, `workspace`, `backend`, `threads`: as for `im2colConvolutionForward`.
public func im2colConvolutionBackward(
    inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
    biasGradient db: UnsafeMutablePointer<Float>?, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int,
    columnBudget: Int, workspace: Im2ColConvolutionWorkspace, backend: any KernelBackend, threads: Int
) {
    let pixels = g.outputPixels
    if let db {
        ChannelOps.accumulateChannelSums(of: dy, into: db, images: n, channels: cout, pixels: pixels, threads: threads)
    }
    let byConvolution = dx != nil && inputGradientIsConvolution(geometry: g, outputChannels: cout)
    // col2im accumulates, so the dx it writes starts from zero.
    let dxByColumns = byConvolution ? nil : dx
    dxByColumns?.update(repeating: 0, count: n * g.channels * g.inputPixels)
    if dw != nil || dxByColumns != nil {
        backwardByColumns(
            inputGradient: dxByColumns, weightGradient: dw, input: x, weights: w, outputGradient: dy, batch: n,
            geometry: g, outputChannels: cout, columnBudget: columnBudget, workspace: workspace, backend: backend,
            threads: threads)
    }
    if byConvolution, let dx {
        inputGradientByConvolution(
            dx, outputGradient: dy, weights: w, batch: n, geometry: g, outputChannels: cout,
            columnBudget: columnBudget, workspace: workspace, backend: backend, threads: threads)
    }
}

/// The column path of the backward, per chunk of images: im2col of `x` and `dW += dY cols^T`
/// (when `dw` is given), then `dcols = W^T dY` and its col2im added into `dx` (when `dx` is
/// given, zeroed by the caller). Arguments as in `im2colConvolutionBackward`.
private func backwardByColumns(
    inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
    input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
    batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int, columnBudget: Int,
    workspace: Im2ColConvolutionWorkspace, backend: any KernelBackend, threads: Int
) {
    let (pixels, k) = (g.outputPixels, g.patchSize)
    let chunk = im2colConvolutionImagesPerChunk(batch: n, geometry: g, columnBudget: columnBudget)
    for start in stride(from: 0, to: n, by: chunk) {
        let count = min(chunk, n - start)
        let width = count * pixels
        let cols = workspace.buffer(.columns, count: k * width)
        if dw != nil {
            Im2Col.im2col(
                input: x + start * g.channels * g.inputPixels, imageCount: count, geometry: g, columns: cols,
                threads: threads)
        }
        // dY of the chunk as the channel-major matrix [Cout, count*P]; one image already is.
        let dyChunk = dy + start * cout * pixels
        var dyMatrix = dyChunk
        if count > 1 {
            let permuted = workspace.buffer(.gemmOutput, count: cout * width)
            ChannelPermute.channelMajor(
                from: dyChunk, to: permuted, images: count, channels: cout, pixels: pixels, threads: threads)
            dyMatrix = UnsafePointer(permuted)
        }
        if let dw {
            // dW += dY[Cout, n*P] x cols^T.
            backend.gemm(transA: false, transB: true, m: cout, n: k, k: width, a: dyMatrix, b: cols, beta: 1, c: dw)
        }
        if let dx {
            // dcols = W^T dY, written over the patches no longer needed.
            backend.gemm(transA: true, transB: false, m: k, n: width, k: cout, a: w, b: dyMatrix, beta: 0, c: cols)
            Im2Col.col2im(
                columns: cols, imageCount: count, geometry: g, output: dx + start * g.channels * g.inputPixels,
                threads: threads)
        }
    }
}

/// `y = conv(x, w)` without bias (`y`, `x`, `w` as in `im2colConvolutionForward`): per chunk
/// of images, im2col, one `gemm` into the channel-major `[outputChannels, n*P]` scratch and a
/// permute to NCHW.
func convolveInChunks(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int, columnBudget: Int,
    workspace: Im2ColConvolutionWorkspace, backend: any KernelBackend, threads: Int
) {
    let (pixels, k) = (g.outputPixels, g.patchSize)
    let chunk = im2colConvolutionImagesPerChunk(batch: n, geometry: g, columnBudget: columnBudget)
    for start in stride(from: 0, to: n, by: chunk) {
        let count = min(chunk, n - start)
        let width = count * pixels
        let cols = workspace.buffer(.columns, count: k * width)
        Im2Col.im2col(
            input: x + start * g.channels * g.inputPixels, imageCount: count, geometry: g, columns: cols,
            threads: threads)
        let target = y + start * cout * pixels
        if count == 1 {
            // One image: [Cout, P] is already its NCHW layout.
            backend.gemm(transA: false, transB: false, m: cout, n: width, k: k, a: w, b: cols, beta: 0, c: target)
        } else {
            let channelMajor = workspace.buffer(.gemmOutput, count: cout * width)
            backend.gemm(
                transA: false, transB: false, m: cout, n: width, k: k, a: w, b: cols, beta: 0, c: channelMajor)
            ChannelPermute.batchMajor(
                from: channelMajor, to: target, images: count, channels: cout, pixels: pixels, threads: threads)
        }
    }
}

/// Whether dL/dx is computed as a forward convolution of dL/dy with the flipped, transposed
/// kernel. It needs stride 1 and "same" padding (`2 p = k - 1`), so dx has y's size; and it
/// pays only when `Cout <= C`, since its patch matrix has `Cout*k*k` rows: a widening layer
/// (the small CNN's 32 -> 64 conv2) is slower this way (docs/performance.md).
func inputGradientIsConvolution(geometry g: ConvGeometry, outputChannels: Int) -> Bool {
    g.strideHeight == 1 && g.strideWidth == 1 && 2 * g.paddingHeight == g.kernelHeight - 1
        && 2 * g.paddingWidth == g.kernelWidth - 1 && outputChannels <= g.channels
}

/// `dx = conv(dy, flip(W)^T)` for stride 1 and same padding: `dx[n, c, i, j] = sum over co,
/// ki, kj of W[co, c, ki, kj] dy[n, co, i - ki + p, j - kj + p]`, which is a convolution of dy
/// (Cout channels) with `W~[c, co, kh-1-ki, kw-1-kj]`, padding p. Compared with `W^T dY` +
/// `col2im`, the `gemm` has depth `Cout*k*k` instead of `Cout` (BLAS runs it far better), and
/// there is no zero-filled patch matrix and no scattered accumulation. `dx` is overwritten.
func inputGradientByConvolution(
    _ dx: UnsafeMutablePointer<Float>, outputGradient dy: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    batch n: Int, geometry g: ConvGeometry, outputChannels cout: Int, columnBudget: Int,
    workspace: Im2ColConvolutionWorkspace, backend: any KernelBackend, threads: Int
) {
    let (c, area) = (g.channels, g.kernelHeight * g.kernelWidth)
    let flipped = workspace.buffer(.flippedWeights, count: c * cout * area)
    for co in 0..<cout {
        for ci in 0..<c {
            let source = w + (co * c + ci) * area
            let target = flipped + (ci * cout + co) * area
            for t in 0..<area { target[area - 1 - t] = source[t] }
        }
    }
    let transposed = ConvGeometry(
        channels: cout, height: g.height, width: g.width, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
        strideHeight: 1, strideWidth: 1, paddingHeight: g.paddingHeight, paddingWidth: g.paddingWidth)
    convolveInChunks(
        output: dx, input: dy, weights: flipped, batch: n, geometry: transposed, outputChannels: c,
        columnBudget: columnBudget, workspace: workspace, backend: backend, threads: threads)
}
