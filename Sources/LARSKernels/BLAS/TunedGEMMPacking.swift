// Packing for `TunedGEMM`: copies a block of op(A) or op(B) into the order in which the
// micro-kernel reads it, so the inner loop walks memory contiguously whatever the transposes
// and leading dimensions were. Rows or columns past the matrix edge are zero-filled, so edge
// tiles run the same kernel.

enum GEMMPacking {
    /// Packs rows `i0 ..< i0 + rows` and depth `p0 ..< p0 + depth` of op(A) into panels of `mr`
    /// rows: panel `q` holds, for each depth step, the `mr` values of its rows, each repeated
    /// `copies` times (a pre-broadcast layout for kernels without a cheap broadcast).
    @inline(__always)
    static func packA(
        transA: Bool, a: UnsafePointer<Float>, lda: Int, i0: Int, rows: Int, p0: Int, depth: Int,
        mr: Int, copies: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        if copies == 1 {
            packA(transA: transA, a: a, lda: lda, i0: i0, rows: rows, p0: p0, depth: depth, mr: mr, into: dst)
            return
        }
        let step = mr * copies
        var panelStart = 0
        var out = dst
        while panelStart < rows {
            let height = min(mr, rows - panelStart)
            if height < mr { out.update(repeating: 0, count: step * depth) }
            if transA {
                // Each depth step reads `height` contiguous values of a stored row.
                for p in 0..<depth {
                    let src = a + (p0 + p) * lda + i0 + panelStart
                    let d = out + p * step
                    for r in 0..<height {
                        let value = src[r]
                        for q in 0..<copies { d[r * copies + q] = value }
                    }
                }
            } else {
                for r in 0..<height {
                    let src = a + (i0 + panelStart + r) * lda + p0
                    var d = out + r * copies
                    for p in 0..<depth {
                        let value = src[p]
                        for q in 0..<copies { d[q] = value }
                        d += step
                    }
                }
            }
            out += step * depth
            panelStart += mr
        }
    }

    @inline(__always)
    static func packA(
        transA: Bool, a: UnsafePointer<Float>, lda: Int, i0: Int, rows: Int, p0: Int, depth: Int,
        mr: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        var panelStart = 0
        var out = dst
        while panelStart < rows {
            let height = min(mr, rows - panelStart)
            if height < mr { (out).update(repeating: 0, count: mr * depth) }
            if transA {
                // op(A)(i, p) = a[p * lda + i]: each depth step reads `height` contiguous values.
                for p in 0..<depth {
                    let src = a + (p0 + p) * lda + i0 + panelStart
                    let row = out + p * mr
                    for r in 0..<height { row[r] = src[r] }
                }
            } else {
                // op(A)(i, p) = a[i * lda + p]: read each row contiguously, write with stride mr.
                for r in 0..<height {
                    let src = a + (i0 + panelStart + r) * lda + p0
                    var d = out + r
                    for p in 0..<depth {
                        d.pointee = src[p]
                        d += mr
                    }
                }
            }
            out += mr * depth
            panelStart += mr
        }
    }

    /// Packs depth `p0 ..< p0 + depth` and columns `j0 ..< j0 + columns` of op(B) into panels
    /// of `nr` columns: panel `q` holds, for each depth step, the `nr` values of its columns.
    @inline(__always)
    static func packB(
        transB: Bool, b: UnsafePointer<Float>, ldb: Int, p0: Int, depth: Int, j0: Int, columns: Int,
        nr: Int, into dst: UnsafeMutablePointer<Float>
    ) {
        var panelStart = 0
        var out = dst
        while panelStart < columns {
            let width = min(nr, columns - panelStart)
            if width < nr { out.update(repeating: 0, count: nr * depth) }
            if transB {
                // op(B)(p, j) = b[j * ldb + p]: read each stored row contiguously.
                for c in 0..<width {
                    let src = b + (j0 + panelStart + c) * ldb + p0
                    var d = out + c
                    for p in 0..<depth {
                        d.pointee = src[p]
                        d += nr
                    }
                }
            } else {
                for p in 0..<depth {
                    let src = b + (p0 + p) * ldb + j0 + panelStart
                    let row = out + p * nr
                    if width == nr {
                        row.update(from: src, count: nr)
                    } else {
                        for c in 0..<width { row[c] = src[c] }
                    }
                }
            }
            out += nr * depth
            panelStart += nr
        }
    }
}
