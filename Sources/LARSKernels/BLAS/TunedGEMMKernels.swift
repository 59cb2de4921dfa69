// The register-tiled inner kernels of `TunedGEMM`, and the one-time choice between them.

/// A micro-kernel: adds the `mr x nr` product of a packed A panel (`kc` steps of `mr` floats)
/// and a packed B panel (`kc` steps of `nr` floats) into `c` (row stride `ldc`).
protocol GEMMMicroKernel: Sendable {
    static var mr: Int { get }
    static var nr: Int { get }
    /// How many copies of each A value the packed panel holds (4: pre-broadcast for SSE).
    static var aCopies: Int { get }
    static var name: String { get }
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int)
}

/// Eight copies of the value at `p`, whose first four floats already hold it four times.
@inline(__always)
private func bcast(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    let quad = UnsafeRawPointer(p).load(as: SIMD4<Float>.self)
    return SIMD8(lowHalf: quad, highHalf: quad)
}

@inline(__always)
private func addStore8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    let raw = UnsafeMutableRawPointer(p)
    raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + v, as: SIMD8<Float>.self)
}

/// 6 x 8 tile with separate multiply and add (`a * b + c`), for builds without FMA (the default
/// x86-64 baseline): 12 SSE registers of accumulators, 2 for B, 1 for the broadcast A value.
enum MulAdd6x8: GEMMMicroKernel {
    static var mr: Int { 6 }
    static var nr: Int { 8 }
    static var name: String { "6x8 multiply+add" }
    static var aCopies: Int { 4 }

    @inline(__always)
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>()
        var c3 = SIMD8<Float>(), c4 = SIMD8<Float>(), c5 = SIMD8<Float>()
        var pa = a
        var pb = b
        // A arrives pre-broadcast (4 copies per value), so each row's multiplier is one aligned
        // SSE load instead of a load and a shuffle; the same register serves both halves.
        for _ in 0..<kc {
            let bv = load8(pb)
            c0 = bcast(pa) * bv + c0
            c1 = bcast(pa + 4) * bv + c1
            c2 = bcast(pa + 8) * bv + c2
            c3 = bcast(pa + 12) * bv + c3
            c4 = bcast(pa + 16) * bv + c4
            c5 = bcast(pa + 20) * bv + c5
            pa += 24
            pb += 8
        }
        addStore8(c, c0)
        addStore8(c + ldc, c1)
        addStore8(c + 2 * ldc, c2)
        addStore8(c + 3 * ldc, c3)
        addStore8(c + 4 * ldc, c4)
        addStore8(c + 5 * ldc, c5)
    }
}

/// 6 x 16 tile with fused multiply-add (`addingProduct`), for host builds whose target CPU has
/// FMA: 12 AVX registers of accumulators, 2 for B, 1 for the broadcast A value.
enum FMA6x16: GEMMMicroKernel {
    static var mr: Int { 6 }
    static var nr: Int { 16 }
    static var name: String { "6x16 fused multiply-add" }
    static var aCopies: Int { 1 }

    @inline(__always)
    static func run(kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var pa = a
        var pb = b
        for _ in 0..<kc {
            let b0 = load8(pb)
            let b1 = load8(pb + 8)
            var av = SIMD8<Float>(repeating: pa[0])
            c00.addProduct(av, b0); c01.addProduct(av, b1)
            av = SIMD8(repeating: pa[1])
            c10.addProduct(av, b0); c11.addProduct(av, b1)
            av = SIMD8(repeating: pa[2])
            c20.addProduct(av, b0); c21.addProduct(av, b1)
            av = SIMD8(repeating: pa[3])
            c30.addProduct(av, b0); c31.addProduct(av, b1)
            av = SIMD8(repeating: pa[4])
            c40.addProduct(av, b0); c41.addProduct(av, b1)
            av = SIMD8(repeating: pa[5])
            c50.addProduct(av, b0); c51.addProduct(av, b1)
            pa += 6
            pb += 16
        }
        addStore8(c, c00); addStore8(c + 8, c01)
        addStore8(c + ldc, c10); addStore8(c + ldc + 8, c11)
        addStore8(c + 2 * ldc, c20); addStore8(c + 2 * ldc + 8, c21)
        addStore8(c + 3 * ldc, c30); addStore8(c + 3 * ldc + 8, c31)
        addStore8(c + 4 * ldc, c40); addStore8(c + 4 * ldc + 8, c41)
        addStore8(c + 5 * ldc, c50); addStore8(c + 5 * ldc + 8, c51)
    }
}

/// Which micro-kernel this build runs, decided once per process.
///
/// Swift has no compile-time test for the target CPU's features, so the choice is made by
/// timing: without FMA in the target (the default x86-64 baseline) `addingProduct` on SIMD
/// vectors becomes one `fmaf` library call per lane, far slower than
/// `a * b + c`; with FMA (a `-target-cpu native` build) it is one instruction and at least as
/// fast. The threshold (FMA no more than twice as slow) sits far from both cases.
enum MicroKernelChoice: Sendable {
    case mulAdd6x8
    case fma6x16

    static let current: MicroKernelChoice = hasNativeFMA() ? .fma6x16 : .mulAdd6x8

    var name: String { self == .fma6x16 ? FMA6x16.name : MulAdd6x8.name }

    @inline(never)
    private static func chainMulAdd(_ x: SIMD8<Float>, _ y: SIMD8<Float>, _ count: Int) -> SIMD8<Float> {
        var s0 = x, s1 = y, s2 = x + y, s3 = x - y
        for _ in 0..<count {
            s0 = s0 * y + x; s1 = s1 * x + y; s2 = s2 * y + x; s3 = s3 * x + y
        }
        return s0 + s1 + s2 + s3
    }

    @inline(never)
    private static func chainFMA(_ x: SIMD8<Float>, _ y: SIMD8<Float>, _ count: Int) -> SIMD8<Float> {
        var s0 = x, s1 = y, s2 = x + y, s3 = x - y
        for _ in 0..<count {
            s0 = x.addingProduct(s0, y); s1 = y.addingProduct(s1, x)
            s2 = x.addingProduct(s2, y); s3 = y.addingProduct(s3, x)
        }
        return s0 + s1 + s2 + s3
    }

    private static func hasNativeFMA() -> Bool {
        let clock = ContinuousClock()
        var best = (mulAdd: Duration.seconds(1), fma: Duration.seconds(1))
        // Each timed call takes an input derived from the clock reading before it and its result
        // is tested before the next reading, so the optimizer can neither hoist nor sink it.
        func timed(_ body: (SIMD8<Float>, SIMD8<Float>, Int) -> SIMD8<Float>) -> Duration {
            let earlier = clock.now
            let start = clock.now
            let seed = Float(earlier.duration(to: start).components.attoseconds & 1)
            let result = body(SIMD8(repeating: 0.5 + 0.001 * seed), SIMD8(repeating: 0.25), 4_000)
            precondition(result.sum().isFinite, "MicroKernelChoice: timing loop diverged")
            return start.duration(to: clock.now)
        }
        // Best of three, interleaved, so one preemption cannot decide.
        for _ in 0..<3 {
            best.mulAdd = min(best.mulAdd, timed(chainMulAdd))
            best.fma = min(best.fma, timed(chainFMA))
        }
        return best.fma <= best.mulAdd * 2
    }
}
