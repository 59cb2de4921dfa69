// OpenBLAS's CBLAS interface (with its run-time controls such as openblas_get_corename)
// and LAPACKE, from Debian's libopenblas-dev and liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
