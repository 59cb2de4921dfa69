import Testing
import LARSNN
import LARSTestSupport

/// The im2col engine's free functions called directly, against a nested-loop oracle that
/// takes a full `ConvGeometry` (rectangular kernels, separate strides and paddings, which
/// `Conv2D` never passes), and their pointer contracts: `y` and `dx` overwritten, `dw` and
/// `db` accumulated into, each gradient skipped on its own when `nil`.
@Suite struct ConvolutionIm2ColTests {
    /// (batch, C, Cout, H, W, kh, kw, sh, sw, ph, pw, columnBudget or 0 for the default).
    static let cases: [(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (2, 3, 4, 7, 6, 3, 3, 2, 2, 1, 1, 0),  // stride 2, padding 1: dx by col2im
        (2, 5, 3, 6, 6, 1, 1, 1, 1, 0, 0, 0),  // 1x1, Cout <= C: dx by convolution
        (1, 1, 6, 5, 9, 3, 3, 1, 1, 1, 1, 0),  // batch 1, one input channel
        (5, 4, 4, 6, 6, 3, 3, 1, 1, 1, 1, 36 * 36 * 2),  // chunks of 2, 2, 1 images, dx by convolution
        (5, 3, 4, 7, 6, 3, 3, 2, 2, 1, 1, 27 * 12 * 2),  // chunks of 2, 2, 1 images, dx by col2im
        (3, 4, 2, 5, 7, 3, 1, 1, 1, 1, 0, 0),  // 3x1 kernel, same padding: dx by convolution
        (2, 2, 3, 6, 5, 1, 3, 2, 1, 0, 1, 0),  // 1x3 kernel, strides 2x1
    ]

    static let backends: [(String, any KernelBackend)] = [
        ("OpenBLAS", OpenBLASBackend()), ("Swift tuned", SwiftBackend(gemm: .tuned)),
    ]

    @Test(arguments: cases.indices)
    func forwardAndBackwardMatchTheOracle(_ index: Int) {
        let (n, c, cout, h, w, kh, kw, sh, sw, ph, pw, budget) = Self.cases[index]
        let g = ConvGeometry(
            channels: c, height: h, width: w, kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
            paddingHeight: ph, paddingWidth: pw)
        let columnBudget = budget > 0 ? budget : Conv2D.defaultColumnBudget
        var rng = SeededGenerator(seed: UInt64(300 + index))
        let x = Tensor(normal: [n, c, h, w], generator: &rng).scalars
        let weights = Tensor(normal: [cout, c, kh, kw], generator: &rng).scalars
        let bias = Tensor(normal: [cout], generator: &rng).scalars
        let dy = Tensor(normal: [n, cout, g.outputHeight, g.outputWidth], generator: &rng).scalars
        let startW = Tensor(normal: [cout, c, kh, kw], generator: &rng).scalars
        let oracle = oracleConvolution(x: x, weights: weights, bias: bias, outputGradient: dy, batch: n, geometry: g, outputChannels: cout)
        for (name, backend) in Self.backends {
            let label = "case \(index), \(name)"
            let workspace = Im2ColConvolutionWorkspace()
            // NaN where the function must overwrite, known values where it must accumulate.
            var y = [Float](repeating: .nan, count: dy.count)
            var dx = [Float](repeating: .nan, count: x.count)
            var dw = startW
            var db = [Float](repeating: 0.5, count: cout)
            im2colConvolutionForward(
                output: &y, input: x, weights: weights, bias: bias, batch: n, geometry: g, outputChannels: cout,
                columnBudget: columnBudget, workspace: workspace, backend: backend, threads: 2)
            im2colConvolutionBackward(
                inputGradient: &dx, weightGradient: &dw, biasGradient: &db, input: x, weights: weights,
                outputGradient: dy, batch: n, geometry: g, outputChannels: cout, columnBudget: columnBudget,
                workspace: workspace, backend: backend, threads: 2)
            #expect(maxAbsoluteError(y, oracle.y) < 1e-4, "forward, \(label)")
            #expect(maxAbsoluteError(dx, oracle.dx) < 1e-4, "dx, \(label)")
            #expect(scaledError(dw, zip(oracle.dw, startW).map { $0 + $1 }) < 1e-5, "dw, \(label)")
            #expect(scaledError(db, oracle.db.map { $0 + 0.5 }) < 1e-5, "db, \(label)")

            // Each gradient alone gives exactly what it gives beside the others.
            var dxAlone = [Float](repeating: .nan, count: x.count)
            im2colConvolutionBackward(
                inputGradient: &dxAlone, weightGradient: nil, biasGradient: nil, input: x, weights: weights,
                outputGradient: dy, batch: n, geometry: g, outputChannels: cout, columnBudget: columnBudget,
                workspace: workspace, backend: backend, threads: 2)
            #expect(dxAlone == dx, "dx alone, \(label)")
            var dwAlone = startW
            im2colConvolutionBackward(
                inputGradient: nil, weightGradient: &dwAlone, biasGradient: nil, input: x, weights: weights,
                outputGradient: dy, batch: n, geometry: g, outputChannels: cout, columnBudget: columnBudget,
                workspace: workspace, backend: backend, threads: 2)
            #expect(dwAlone == dw, "dw alone, \(label)")
        }
    }

    @Test func imagesPerChunkFollowsTheBudget() {
        let g = ConvGeometry(channels: 16, height: 32, width: 32, kernelHeight: 3, kernelWidth: 3, paddingHeight: 1, paddingWidth: 1)
        // 144 x 1024 floats per image.
        #expect(im2colConvolutionImagesPerChunk(batch: 128, geometry: g, columnBudget: 1 << 20) == 7)
        #expect(im2colConvolutionImagesPerChunk(batch: 3, geometry: g, columnBudget: 1 << 20) == 3)
        #expect(im2colConvolutionImagesPerChunk(batch: 128, geometry: g, columnBudget: 1) == 1)
    }
}

/// Forward (with bias) and every gradient of a convolution by nested loops in Double.
private func oracleConvolution(
    x: [Float], weights: [Float], bias: [Float], outputGradient dy: [Float], batch n: Int, geometry g: ConvGeometry,
    outputChannels cout: Int
) -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
    let (c, h, w, kh, kw) = (g.channels, g.height, g.width, g.kernelHeight, g.kernelWidth)
    let (oh, ow) = (g.outputHeight, g.outputWidth)
    var y = [Double](repeating: 0, count: n * cout * oh * ow)
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: weights.count)
    var db = [Double](repeating: 0, count: cout)
    for b in 0..<n {
        for co in 0..<cout {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let yi = ((b * cout + co) * oh + oy) * ow + ox
                    let gradient = Double(dy[yi])
                    var sum = Double(bias[co])
                    db[co] += gradient
                    for ci in 0..<c {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let iy = oy * g.strideHeight - g.paddingHeight + i
                                let ix = ox * g.strideWidth - g.paddingWidth + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                let xi = ((b * c + ci) * h + iy) * w + ix
                                let wi = ((co * c + ci) * kh + i) * kw + j
                                sum += Double(weights[wi]) * Double(x[xi])
                                dx[xi] += Double(weights[wi]) * gradient
                                dw[wi] += Double(x[xi]) * gradient
                            }
                        }
                    }
                    y[yi] = sum
                }
            }
        }
    }
    let float = { (values: [Double]) in values.map { Float($0) } }
    return (float(y), float(dx), float(dw), float(db))
}
