// The adjoint of `im2col`: the input gradient of a convolution from the gradient of its patch
// matrix (`dcols = W^T dY`), in the column layout described on `Im2Col`.

extension Im2Col {
    /// Adds the adjoint of `im2col` of `columns` into `output` (`imageCount` NCHW images):
    /// every patch entry is summed back onto the input pixel it was copied from. Padding entries
    /// are dropped. `output` is accumulated into, not overwritten.
    public static func col2im(
        columns: UnsafePointer<Float>, imageCount: Int, geometry g: ConvGeometry,
        output: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let src = SendableConstPointer(columns)
        let dst = SendablePointer(output)
        let channels = g.channels
        // Each (image, channel) owns one input plane, so the accumulation is race-free.
        Parallel.forEach(imageCount * channels, threads: threads) { item in
            let n = item / channels
            let c = item % channels
            col2imPlane(columns: src.base, image: n, channel: c, imageCount: imageCount, g: g, output: dst.base)
        }
    }

    /// Accumulates the patch entries of input plane `(n, c)` back onto it, row `(ki, kj)` by row.
    @inline(__always)
    static func col2imPlane(
        columns: UnsafePointer<Float>, image n: Int, channel c: Int, imageCount: Int, g: ConvGeometry,
        output: UnsafeMutablePointer<Float>
    ) {
        let (h, w, kh, kw) = (g.height, g.width, g.kernelHeight, g.kernelWidth)
        let (sh, sw, ph, pw) = (g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth)
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let pixels = oh * ow
        let rowStride = imageCount * pixels
        let plane = output + (n * g.channels + c) * h * w
        for ki in 0..<kh {
            for kj in 0..<kw {
                let row = (c * kh + ki) * kw + kj
                var col = columns + row * rowStride + n * pixels
                let lo = min(ow, max(0, (pw - kj + sw - 1) / sw))
                let hi = max(lo, min(ow, (w + pw - kj + sw - 1) / sw))
                for y in 0..<oh {
                    let iy = y * sh - ph + ki
                    if iy >= 0 && iy < h {
                        let outRow = plane + iy * w - pw + kj
                        if sw == 1 {
                            addFloats(from: col + lo, to: outRow + lo, hi - lo)
                        } else {
                            for x in lo..<hi { outRow[x * sw] += col[x] }
                        }
                    }
                    col += ow
                }
            }
        }
    }

    /// `target[i] += source[i]` for `count` floats, eight at a time (rows are short, see
    /// `copyFloats`).
    @inline(__always)
    static func addFloats(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            let sum = UnsafeRawPointer(target + i).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(target + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { target[i] += source[i]; i += 1 }
    }
}
