/// Patch extraction (`im2col`, here) and its adjoint (`col2im`, in `Col2Im.swift`) for convolutions, shared by both
/// kernel backends because BLAS has no such routine.
///
/// Column layout: for `n` images the column matrix is `[C*kh*kw, n*Hout*Wout]` (row-major), row
/// `(c*kh + i)*kw + j`, column `image*Hout*Wout + oh*Wout + ow`. Putting the images side by side
/// along the columns lets a convolution run as ONE `gemm` for the whole batch,
/// `W[Cout, K] x cols[K, n*P] -> [Cout, n*P]`, with a large `n` dimension that BLAS handles at
/// full speed (one image has as few as 64 output pixels in a CIFAR ResNet's last stage, far too
/// narrow for an efficient `gemm`). The price is a cheap permute of contiguous `P`-element runs
/// from `[Cout, n, P]` to NCHW `[n, Cout, P]`. The same layout gives `dW += dY x cols^T` as one
/// `gemm` whose inner dimension is the whole batch.
public enum Im2Col {
    /// Writes the patches of `imageCount` NCHW images starting at `input` into `columns`
    /// (`[patchSize, imageCount * outputPixels]`, fully overwritten, zeros for padding).
    /// Parallel over (image, channel) pairs, which write disjoint parts of `columns`.
    public static func im2col(
        input: UnsafePointer<Float>, imageCount: Int, geometry g: ConvGeometry,
        columns: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let src = SendableConstPointer(input)
        let dst = SendablePointer(columns)
        let channels = g.channels
        Parallel.forEach(imageCount * channels, threads: threads) { item in
            let n = item / channels
            let c = item % channels
            im2colPlane(input: src.base, image: n, channel: c, imageCount: imageCount, g: g, columns: dst.base)
        }
    }

    /// Writes the `kh * kw` patch rows of input plane `(n, c)`, one output row at a time (or one
    /// long copy per row when the convolution keeps the plane's size).
    @inline(__always)
    static func im2colPlane(
        input: UnsafePointer<Float>, image n: Int, channel c: Int, imageCount: Int, g: ConvGeometry,
        columns: UnsafeMutablePointer<Float>
    ) {
        let (h, w, kh, kw) = (g.height, g.width, g.kernelHeight, g.kernelWidth)
        let (sh, sw, ph, pw) = (g.strideHeight, g.strideWidth, g.paddingHeight, g.paddingWidth)
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        let pixels = oh * ow
        let rowStride = imageCount * pixels
        let plane = input + (n * g.channels + c) * h * w
        let keepsSize = sh == 1 && sw == 1 && oh == h && ow == w
        for ki in 0..<kh {
            for kj in 0..<kw {
                let row = (c * kh + ki) * kw + kj
                var out = columns + row * rowStride + n * pixels
                if keepsSize {
                    shiftedPlane(plane, into: out, height: h, width: w, rowShift: ki - ph, columnShift: kj - pw)
                    continue
                }
                // Output columns whose input column lies inside the image: lo..<hi.
                let lo = min(ow, max(0, (pw - kj + sw - 1) / sw))
                let hi = max(lo, min(ow, (w + pw - kj + sw - 1) / sw))
                for y in 0..<oh {
                    let iy = y * sh - ph + ki
                    if iy < 0 || iy >= h {
                        fillZeros(out, ow)
                    } else {
                        let inRow = plane + iy * w - pw + kj
                        for x in 0..<lo { out[x] = 0 }
                        if sw == 1 {
                            copyFloats(from: inRow + lo, to: out + lo, hi - lo)
                        } else {
                            for x in lo..<hi { out[x] = inRow[x * sw] }
                        }
                        for x in hi..<ow { out[x] = 0 }
                    }
                    out += ow
                }
            }
        }
    }

    /// One `(ki, kj)` block of a stride-1 convolution whose output has the input's size:
    /// `out[y, x] = plane[y + rowShift, x + columnShift]`, zero where that falls outside the
    /// plane. Read row by row, it is the plane shifted by `rowShift * width + columnShift` in
    /// memory, so it is one long copy (rows of a CIFAR ResNet are 8 to 32 floats: copied one by
    /// one, the per-row overhead dominated) followed by zeroing the rows that fall into the
    /// padding, which the copy leaves out, and the columns that wrapped into a neighbouring row.
    @inline(__always)
    static func shiftedPlane(
        _ plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, height h: Int, width w: Int,
        rowShift: Int, columnShift: Int
    ) {
        let total = h * w
        let shift = rowShift * w + columnShift
        // Destination indices whose source index lies inside the plane.
        let start = min(total, max(0, -shift))
        let end = max(start, min(total, total - shift))
        // The inline vector copy, not memmove: glibc's memmove switches to `rep movsb` above 2 KiB,
        // which is slow on AMD CPUs for sources misaligned by the column shift: with memmove
        // the shifted-plane copy lost to the row-by-row one (docs/performance.md).
        if end > start {
            copyFloats(from: plane.advanced(by: start + shift), to: out.advanced(by: start), end - start)
        }
        fillZeros(out, start)
        fillZeros(out + end, total - end)
        // Columns whose source column lies outside the row: x < -columnShift or x >= w - columnShift.
        let lo = min(w, max(0, -columnShift))
        let hi = max(lo, min(w, w - columnShift))
        if lo > 0 || hi < w {
            var rowStart = out
            for _ in 0..<h {
                for x in 0..<lo { rowStart[x] = 0 }
                for x in hi..<w { rowStart[x] = 0 }
                rowStart += w
            }
        }
    }

    // Rows here are short (8 to 32 floats in a CIFAR ResNet), where a `memmove`/`memset` call
    // costs more than the copy; these inline SIMD loops have no call and no size dispatch.

    @inline(__always)
    static func copyFloats(from source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, _ count: Int) {
        @inline(__always) func copy8(_ i: Int) {
            UnsafeMutableRawPointer(target + i).storeBytes(
                of: UnsafeRawPointer(source + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        }
        if count < 8 {
            for i in 0..<count { target[i] = source[i] }
            return
        }
        var i = 0
        while i + 8 <= count { copy8(i); i += 8 }
        // A padded row copies 31 of 32 pixels: finish with one vector that overlaps the last
        // one (rewriting equal values) instead of seven scalar moves.
        if i < count { copy8(count - 8) }
    }

    @inline(__always)
    static func fillZeros(_ target: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(of: SIMD8<Float>(), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count { target[i] = 0; i += 1 }
    }
}
