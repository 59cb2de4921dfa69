// OpenBLAS's CBLAS interface (with its run-time controls such as openblas_get_corename)
// and LAPACKE, from Debian's libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
// glibc's mallopt, which HeapTuning uses; Swift's Glibc module does not export <malloc.h>.
#if defined(__GLIBC__)
#include <malloc.h>
#endif
