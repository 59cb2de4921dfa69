// OpenBLAS's CBLAS interface (with its run-time controls such as openblas_get_corename)
// and LAPACKE, from Debian's libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
// glibc's mallopt, which HeapTuning uses; Swift's Glibc module does not export <malloc.h>.
#if defined(__GLIBC__)
#include <malloc.h>
#endif

// The FMA-throughput probe behind lars-bench's "FMA peak" ceiling: `iterations` rounds of ten
// independent 8-lane fused multiply-adds (AVX2 + FMA, so the caller must check the CPU has
// both), ten chains to cover the FMA latency on two pipes. `state` holds twelve floats: the ten
// chains' starting values, the multiplier and the addend (say 0.999 and 0.001); the chains' sum
// is written back to `state[0]`. Values the compiler cannot see keep it from folding, merging or
// dropping any chain.
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static inline void lars_fma_probe(long iterations, float *state) {
    typedef float v8 __attribute__((vector_size(32)));
#define LARS_SPLAT(x) ((v8){x, x, x, x, x, x, x, x})
    v8 b = LARS_SPLAT(state[10]), c = LARS_SPLAT(state[11]);
    v8 a0 = LARS_SPLAT(state[0]), a1 = LARS_SPLAT(state[1]), a2 = LARS_SPLAT(state[2]), a3 = LARS_SPLAT(state[3]);
    v8 a4 = LARS_SPLAT(state[4]), a5 = LARS_SPLAT(state[5]), a6 = LARS_SPLAT(state[6]), a7 = LARS_SPLAT(state[7]);
    v8 a8 = LARS_SPLAT(state[8]), a9 = LARS_SPLAT(state[9]);
#undef LARS_SPLAT
    for (long n = 0; n < iterations; n++) {
        a0 = __builtin_ia32_vfmaddps256(a0, b, c); a1 = __builtin_ia32_vfmaddps256(a1, b, c);
        a2 = __builtin_ia32_vfmaddps256(a2, b, c); a3 = __builtin_ia32_vfmaddps256(a3, b, c);
        a4 = __builtin_ia32_vfmaddps256(a4, b, c); a5 = __builtin_ia32_vfmaddps256(a5, b, c);
        a6 = __builtin_ia32_vfmaddps256(a6, b, c); a7 = __builtin_ia32_vfmaddps256(a7, b, c);
        a8 = __builtin_ia32_vfmaddps256(a8, b, c); a9 = __builtin_ia32_vfmaddps256(a9, b, c);
    }
    v8 s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (a8 + a9);
    state[0] = s[0] + s[7];
}
#endif
