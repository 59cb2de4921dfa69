import Testing
import LARSKernels
import LARSCore

/// Checks the patch matrix against a direct convolution and `col2im` against the adjoint of `im2col`.
@Suite struct Im2ColTests {
    static let geometries: [(c: Int, h: Int, w: Int, k: Int, s: Int, p: Int)] = [
        (2, 5, 5, 3, 1, 1), (3, 6, 7, 3, 2, 1), (2, 5, 6, 3, 1, 0), (3, 7, 5, 3, 2, 0),
        (4, 4, 4, 1, 1, 0), (2, 6, 6, 1, 2, 0), (1, 3, 3, 3, 1, 2),
        // Rows of 8 and more pixels take the vector copies, including the overlapping last vector.
        (2, 4, 19, 3, 1, 1), (1, 3, 33, 3, 1, 1), (3, 3, 8, 1, 1, 0), (2, 4, 21, 3, 2, 1),
    ]

    static func geometry(_ t: (c: Int, h: Int, w: Int, k: Int, s: Int, p: Int)) -> ConvGeometry {
        ConvGeometry(
            channels: t.c, height: t.h, width: t.w, kernelHeight: t.k, kernelWidth: t.k,
            strideHeight: t.s, strideWidth: t.s, paddingHeight: t.p, paddingWidth: t.p)
    }

    @Test(arguments: 0..<geometries.count, [1, 2])
    func patchesTimesWeightsEqualDirectConvolution(index: Int, threads: Int) {
        let g = Self.geometry(Self.geometries[index])
        let images = 3
        let cout = 2
        var generator = SeededGenerator(seed: UInt64(10 + index))
        let x = Tensor(normal: [images, g.channels, g.height, g.width], generator: &generator)
        let w = Tensor(normal: [cout, g.patchSize], generator: &generator)
        let columnsWidth = images * g.outputPixels
        var cols = [Float](repeating: .nan, count: g.patchSize * columnsWidth)
        x.withUnsafeBufferPointer { xb in
            cols.withUnsafeMutableBufferPointer { cb in
                Im2Col.im2col(input: xb.baseAddress!, imageCount: images, geometry: g, columns: cb.baseAddress!, threads: threads)
            }
        }
        // y[co, n*P + p] = sum_k w[co, k] cols[k, n*P + p], compared with the nested-loop convolution.
        var worst: Float = 0
        for n in 0..<images {
            for co in 0..<cout {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        var direct: Float = 0
                        for c in 0..<g.channels {
                            for i in 0..<g.kernelHeight {
                                for j in 0..<g.kernelWidth {
                                    let iy = oy * g.strideHeight - g.paddingHeight + i
                                    let ix = ox * g.strideWidth - g.paddingWidth + j
                                    guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                    direct += w[co, (c * g.kernelHeight + i) * g.kernelWidth + j] * x[n, c, iy, ix]
                                }
                            }
                        }
                        var viaColumns: Float = 0
                        let column = n * g.outputPixels + oy * g.outputWidth + ox
                        for k in 0..<g.patchSize { viaColumns += w[co, k] * cols[k * columnsWidth + column] }
                        worst = max(worst, abs(direct - viaColumns))
                    }
                }
            }
        }
        #expect(!cols.contains { $0.isNaN }, "im2col left entries unwritten")
        #expect(worst < 1e-4, "geometry \(g): max difference \(worst)")
    }

    @Test(arguments: 0..<geometries.count)
    func col2imIsTheAdjointOfIm2col(index: Int) {
        let g = Self.geometry(Self.geometries[index])
        let images = 2
        var generator = SeededGenerator(seed: UInt64(99 + index))
        let x = Tensor(normal: [images, g.channels, g.height, g.width], generator: &generator)
        let y = Tensor(normal: [g.patchSize, images * g.outputPixels], generator: &generator)
        var cols = [Float](repeating: 0, count: y.count)
        var back = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xb in
            cols.withUnsafeMutableBufferPointer { cb in
                Im2Col.im2col(input: xb.baseAddress!, imageCount: images, geometry: g, columns: cb.baseAddress!, threads: 2)
            }
        }
        y.withUnsafeBufferPointer { yb in
            back.withUnsafeMutableBufferPointer { bb in
                Im2Col.col2im(columns: yb.baseAddress!, imageCount: images, geometry: g, output: bb.baseAddress!, threads: 2)
            }
        }
        // <im2col(x), y> == <x, col2im(y)>, both summed in Double.
        var lhs: Double = 0
        for i in 0..<cols.count { lhs += Double(cols[i]) * Double(y.scalars[i]) }
        var rhs: Double = 0
        for i in 0..<back.count { rhs += Double(x.scalars[i]) * Double(back[i]) }
        #expect(abs(lhs - rhs) <= 1e-4 * max(1, abs(lhs)), "geometry \(g): \(lhs) vs \(rhs)")
    }

    /// Stride-1 convolutions that keep the image size take the one-long-copy path; these cover
    /// 3x3 and 5x5 kernels, 1x1 (no shift), non-square planes and kernels (different row and
    /// column shifts), one-pixel rows and columns, widths of 8k+1, kernels larger than the plane,
    /// and the "same" padding of every CIFAR ResNet layer.
    static let sizeKeeping: [(c: Int, h: Int, w: Int, kh: Int, kw: Int, ph: Int, pw: Int)] = [
        (2, 5, 5, 3, 3, 1, 1), (3, 28, 28, 3, 3, 1, 1), (2, 6, 9, 5, 5, 2, 2), (2, 7, 4, 3, 3, 1, 1),
        (1, 1, 6, 3, 3, 1, 1), (1, 6, 1, 3, 3, 1, 1), (3, 4, 4, 1, 1, 0, 0), (1, 2, 2, 5, 5, 2, 2),
        (2, 4, 3, 1, 3, 0, 1), (2, 6, 5, 5, 3, 2, 1), (1, 3, 17, 3, 3, 1, 1), (1, 5, 4, 3, 5, 1, 2),
    ]

    @Test(arguments: 0..<sizeKeeping.count, [1, 2])
    func sizeKeepingPatchesEqualTheDefinitionExactly(index: Int, threads: Int) {
        let t = Self.sizeKeeping[index]
        let g = ConvGeometry(
            channels: t.c, height: t.h, width: t.w, kernelHeight: t.kh, kernelWidth: t.kw, paddingHeight: t.ph,
            paddingWidth: t.pw)
        #expect(g.outputHeight == t.h && g.outputWidth == t.w)
        let images = 3
        var generator = SeededGenerator(seed: UInt64(200 + index))
        let x = Tensor(normal: [images, t.c, t.h, t.w], generator: &generator)
        let width = images * g.outputPixels
        var cols = [Float](repeating: .nan, count: g.patchSize * width)
        x.withUnsafeBufferPointer { xb in
            cols.withUnsafeMutableBufferPointer { cb in
                Im2Col.im2col(input: xb.baseAddress!, imageCount: images, geometry: g, columns: cb.baseAddress!, threads: threads)
            }
        }
        var mismatches = 0
        for n in 0..<images {
            for c in 0..<t.c {
                for i in 0..<t.kh {
                    for j in 0..<t.kw {
                        for oy in 0..<t.h {
                            for ox in 0..<t.w {
                                let (iy, ix) = (oy - t.ph + i, ox - t.pw + j)
                                let inside = iy >= 0 && iy < t.h && ix >= 0 && ix < t.w
                                let expected: Float = inside ? x[n, c, iy, ix] : 0
                                let got = cols[((c * t.kh + i) * t.kw + j) * width + n * g.outputPixels + oy * t.w + ox]
                                if got.bitPattern != expected.bitPattern { mismatches += 1 }
                            }
                        }
                    }
                }
            }
        }
        #expect(mismatches == 0, "geometry \(g): \(mismatches) of \(cols.count) patch entries differ from the definition")
    }

    @Test func col2imAccumulatesIntoItsOutput() {
        let g = ConvGeometry(channels: 1, height: 2, width: 2, kernelHeight: 1, kernelWidth: 1)
        let cols: [Float] = [1, 2, 3, 4]
        var out: [Float] = [10, 10, 10, 10]
        cols.withUnsafeBufferPointer { cb in
            out.withUnsafeMutableBufferPointer { ob in
                Im2Col.col2im(columns: cb.baseAddress!, imageCount: 1, geometry: g, output: ob.baseAddress!, threads: 1)
            }
        }
        #expect(out == [11, 12, 13, 14])
    }

    @Test func outputSizeFollowsTheConvolutionFormula() {
        let g = ConvGeometry(
            channels: 3, height: 32, width: 28, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
            paddingHeight: 1, paddingWidth: 1)
        #expect(g.outputHeight == 16)
        #expect(g.outputWidth == 14)
        #expect(g.patchSize == 27)
    }
}
