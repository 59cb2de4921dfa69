import SwiftLARS

/// `im2col` and `col2im` (shared Swift code, no BLAS) for each convolution shape of the two
/// models at their training batch, in GB/s, after a check against a direct-indexing reference;
/// plus `im2col` of the chunk of images that `Conv2D` actually lays out at once (a patch matrix
/// of at most 1M floats, which stays in cache: the whole batch's streams through memory).
enum Im2ColGroup {
    static func specs(quick: Bool) -> [(ConvSpec, Int)] {
        let resnet = ModelSpec.resNet20.convolutions.map { ($0, ModelSpec.resNet20.batch) }
        let cnn = ModelSpec.smallCNN.convolutions.map { ($0, ModelSpec.smallCNN.batch) }
        return quick ? [resnet[1], resnet[5]] : resnet + cnn
    }

    static func geometry(_ spec: ConvSpec) -> ConvGeometry {
        ConvGeometry(channels: spec.inChannels, height: spec.size, width: spec.size, kernelHeight: spec.kernel,
                     kernelWidth: spec.kernel, strideHeight: spec.stride, strideWidth: spec.stride,
                     paddingHeight: spec.padding, paddingWidth: spec.padding)
    }

    static func run(_ bench: BenchRunner) throws {
        if bench.openBLASOnly { return }
        for (spec, batch) in specs(quick: bench.quick) {
            let g = geometry(spec)
            try check(g, label: spec.label)
            let inputCount = batch * g.channels * g.inputPixels
            let columnCount = g.patchSize * batch * g.outputPixels
            let input = FloatBuffer(count: inputCount, seed: 41)
            let columns = FloatBuffer(count: columnCount, seed: 42)
            let shape = "batch \(batch), \(spec.inChannels)x\(spec.size)x\(spec.size) -> [\(g.patchSize), \(batch * g.outputPixels)]"
            let chunk = max(1, min(batch, Conv2D.defaultColumnBudget / max(1, g.patchSize * g.outputPixels)))
            let chunkWork = Double(4 * chunk * (g.channels * g.inputPixels + g.patchSize * g.outputPixels))
            for threads in bench.threadCounts {
                bench.time("conv", "im2col \(spec.label)", shape: shape, backend: "swift", threads: threads,
                           work: Double(4 * (inputCount + columnCount)), unit: .gbytes) {
                    Im2Col.im2col(input: input.constPointer, imageCount: batch, geometry: g, columns: columns.pointer, threads: threads)
                }
                bench.time("conv", "im2col \(spec.label), layer chunk", shape: "\(chunk) images -> [\(g.patchSize), \(chunk * g.outputPixels)]",
                           backend: "swift", threads: threads, work: chunkWork, unit: .gbytes) {
                    Im2Col.im2col(input: input.constPointer, imageCount: chunk, geometry: g, columns: columns.pointer, threads: threads)
                }
                // Reads the columns and reads and writes the images it accumulates into.
                bench.time("conv", "col2im \(spec.label)", shape: shape, backend: "swift", threads: threads,
                           work: Double(4 * (columnCount + 2 * inputCount)), unit: .gbytes) {
                    Im2Col.col2im(columns: columns.constPointer, imageCount: batch, geometry: g, output: input.pointer, threads: threads)
                }
            }
        }
    }

    /// Compares both routines with a textbook loop nest on two images.
    static func check(_ g: ConvGeometry, label: String) throws {
        let images = 2
        let (oh, ow, k) = (g.outputHeight, g.outputWidth, g.patchSize)
        let cols = images * oh * ow
        let input = FloatBuffer(count: images * g.channels * g.inputPixels, seed: 43)
        let columns = FloatBuffer(count: k * cols, value: .nan)
        Im2Col.im2col(input: input.constPointer, imageCount: images, geometry: g, columns: columns.pointer, threads: 2)
        var expected = [Float](repeating: 0, count: k * cols)
        for n in 0..<images { for c in 0..<g.channels { for i in 0..<g.kernelHeight { for j in 0..<g.kernelWidth {
            let row = (c * g.kernelHeight + i) * g.kernelWidth + j
            for y in 0..<oh { for x in 0..<ow {
                let iy = y * g.strideHeight - g.paddingHeight + i, ix = x * g.strideWidth - g.paddingWidth + j
                let inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width
                expected[row * cols + n * oh * ow + y * ow + x] =
                    inside ? input.pointer[((n * g.channels + c) * g.height + iy) * g.width + ix] : 0
            } }
        } } } }
        for index in 0..<(k * cols) where columns.pointer[index] != expected[index] {
            throw BenchCheckError(message: "im2col \(label) (\(g)): column entry \(index) = \(columns.pointer[index]), expected \(expected[index])")
        }
        // col2im is the adjoint: <im2col(x), y> must equal <x, col2im(y)>.
        let y = FloatBuffer(count: k * cols, seed: 44)
        let back = FloatBuffer(count: images * g.channels * g.inputPixels, value: 0)
        Im2Col.col2im(columns: y.constPointer, imageCount: images, geometry: g, output: back.pointer, threads: 2)
        var lhs = 0.0, rhs = 0.0, scale = 0.0
        for i in 0..<(k * cols) { lhs += Double(expected[i]) * Double(y.pointer[i]); scale += abs(Double(expected[i]) * Double(y.pointer[i])) }
        for i in 0..<back.count { rhs += Double(input.pointer[i]) * Double(back.pointer[i]) }
        if abs(lhs - rhs) > 1e-5 * scale + 1e-6 {
            throw BenchCheckError(message: "col2im \(label) (\(g)) is not the adjoint of im2col: <im2col x, y> = \(lhs), <x, col2im y> = \(rhs)")
        }
    }
}
