/// The pure-Swift matrix multiply for real use: `C = alpha * op(A) * op(B) + beta * C`,
/// row-major, any transposes and leading dimensions (see `KernelBackend.gemm`).
///
/// It follows the GotoBLAS/BLIS scheme. `C` is first scaled by `beta` (set to zero when
/// `beta == 0`, so NaN in `C` is never read). Then, for each block of `NC` columns and `KC`
/// depth steps, the block of op(B) is packed into `nr`-column panels that stay in L2/L3, and
/// for each block of `MC` rows the block of `alpha * op(A)` is packed into `mr`-row panels that
/// stay in L2. A register-tiled micro-kernel then adds every `mr x nr` tile of the product
/// into `C`, reading both panels contiguously; edge tiles go through a small scratch tile.
/// Everything runs on raw pointers without bounds checks.
///
/// Threads: the `MC`-row blocks of `C` (and, when there are fewer of them than threads, chunks
/// of their columns) are spread over `threads` threads with `Parallel.forEach`; each task owns
/// disjoint elements of `C` and packs its own A block.
///
/// Builds: in a default release build (baseline x86-64, SSE2) the kernel is a 6x8 tile of
/// `a * b + c` on `SIMD8<Float>` (each vector is two SSE registers), since `addingProduct`
/// would become one `fmaf` call per lane there. A host build
/// (`swift build -c release -Xswiftc -target-cpu -Xswiftc native`, or `znver3`,
/// `skylake-avx512`, ...) turns `SIMD8` into one AVX register and `addingProduct` into a
/// `vfmadd` instruction; the kernel notices this once per process (see `MicroKernelChoice`)
/// and switches to a 6x16 fused multiply-add tile, roughly doubling the throughput.
enum TunedGEMM {
    /// Depth of a packed block: a 6x16 A/B sliver pair (`KC * (6 + 16)` floats) fits L1.
    static let kc = 256
    /// Rows of a packed A block (`MC * KC` floats = 96 KiB, in L2); a multiple of `mr`.
    static let mc = 96
    /// Columns of a packed B block (`KC * NC` floats = 4 MiB at most, in L3).
    static let nc = 4096

    static func run(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int,
        kernel: MicroKernelChoice = .current
    ) {
        if m == 0 || n == 0 { return }
        scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
        if k == 0 || alpha == 0 { return }
        switch kernel {
        case .mulAdd6x8:
            blocked(
                MulAdd6x8.self, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, c: c, ldc: ldc, threads: threads)
        case .fma6x16:
            blocked(
                FMA6x16.self, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, c: c, ldc: ldc, threads: threads)
        }
    }

    /// `C = beta * C`, with `beta == 0` meaning "overwrite" (C may hold NaN) and 1 a no-op.
    private static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 1 { return }
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    private static func blocked<Kernel: GEMMMicroKernel>(
        _ kernel: Kernel.Type, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int
    ) {
        let nr = Kernel.nr
        let ncBlock = min(nc, (n + nr - 1) / nr * nr)
        let kcBlock = min(kc, k)
        let packedB = UnsafeMutableRawPointer.allocate(byteCount: kcBlock * ncBlock * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: kcBlock * ncBlock)
        defer { packedB.deallocate() }
        let sharedA = SendableConstPointer(a)
        let sharedC = SendablePointer(c)
        let rowBlocks = (m + mc - 1) / mc

        var j0 = 0
        while j0 < n {
            let columns = min(ncBlock, n - j0)
            let panels = (columns + nr - 1) / nr
            // When C has fewer row blocks than threads, also split the column panels.
            let columnSplit = threads > rowBlocks ? min(panels, (threads + rowBlocks - 1) / rowBlocks) : 1
            var p0 = 0
            while p0 < k {
                let depth = min(kcBlock, k - p0)
                GEMMPacking.packB(
                    transB: transB, b: b, ldb: ldb, p0: p0, depth: depth, j0: j0, columns: columns,
                    nr: nr, into: packedB)
                let sharedB = SendableConstPointer(UnsafePointer(packedB))
                let (blockJ0, blockP0) = (j0, p0)
                Parallel.forEach(rowBlocks * columnSplit, threads: threads) { task in
                    let rowBlock = task / columnSplit
                    let part = task % columnSplit
                    let i0 = rowBlock * mc
                    let rows = min(mc, m - i0)
                    let firstPanel = panels * part / columnSplit
                    let endPanel = panels * (part + 1) / columnSplit
                    if firstPanel == endPanel { return }
                    macroKernel(
                        Kernel.self, transA: transA, alpha: alpha, a: sharedA.base, lda: lda,
                        i0: i0, rows: rows, p0: blockP0, depth: depth,
                        packedB: sharedB.base, panels: firstPanel..<endPanel, columns: columns,
                        c: sharedC.base + i0 * ldc + blockJ0, ldc: ldc)
                }
                p0 += depth
            }
            j0 += columns
        }
    }

    /// Packs `alpha * op(A)` rows `i0 ..< i0 + rows`, depth `p0 ..< p0 + depth`, and adds its
    /// product with B panels `panels` into `c` (already offset to row `i0`, block column 0).
    @inline(__always)
    private static func macroKernel<Kernel: GEMMMicroKernel>(
        _ kernel: Kernel.Type, transA: Bool, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        i0: Int, rows: Int, p0: Int, depth: Int,
        packedB: UnsafePointer<Float>, panels: Range<Int>, columns: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let mr = Kernel.mr
        let nr = Kernel.nr
        let rowPanels = (rows + mr - 1) / mr
        let panelCount = mr * Kernel.aCopies * depth
        let packedCount = rowPanels * panelCount
        let packedA = UnsafeMutableRawPointer.allocate(byteCount: (packedCount + mr * nr) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: packedCount + mr * nr)
        defer { packedA.deallocate() }
        let edgeTile = packedA + packedCount
        GEMMPacking.packA(
            transA: transA, a: a, lda: lda, i0: i0, rows: rows, p0: p0, depth: depth, mr: mr,
            copies: Kernel.aCopies, into: packedA)
        if alpha != 1 {
            for i in 0..<packedCount { packedA[i] *= alpha }
        }
        for jp in panels {
            let bPanel = packedB + jp * nr * depth
            let width = min(nr, columns - jp * nr)
            for ip in 0..<rowPanels {
                let aPanel = UnsafePointer(packedA + ip * panelCount)
                let height = min(mr, rows - ip * mr)
                let cTile = c + ip * mr * ldc + jp * nr
                if height == mr && width == nr {
                    Kernel.run(kc: depth, a: aPanel, b: bPanel, c: cTile, ldc: ldc)
                } else {
                    edgeTile.update(repeating: 0, count: mr * nr)
                    Kernel.run(kc: depth, a: aPanel, b: bPanel, c: edgeTile, ldc: nr)
                    for r in 0..<height {
                        for col in 0..<width { cTile[r * ldc + col] += edgeTile[r * nr + col] }
                    }
                }
            }
        }
    }
}

extension SwiftBackend {
    /// The micro-kernel the tuned `gemm` runs in this build, for logs and benchmark tables:
    /// `6x8 multiply+add` (default build) or `6x16 fused multiply-add` (host build with FMA).
    public static var tunedKernelName: String { MicroKernelChoice.current.name }
}
