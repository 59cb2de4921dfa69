// oneDNN's C API (Debian's libdnnl-dev, 2.x, OpenMP threading). No pkg-config file ships with
// it; Package.swift adds this target only when /usr/include/dnnl.h exists.
#include <dnnl.h>
#include <dlfcn.h>

// Sets the OpenMP thread count of the calling thread, which is what oneDNN's OpenMP runtime
// uses for the primitives that thread executes. Looked up at run time in the libgomp that
// libdnnl already loads, so that linking needs no unversioned libgomp.so (Debian ships it only
// in GCC's private directory). Returns 0 when no OpenMP runtime is loaded.
static inline int lars_dnnl_set_omp_threads(int threads) {
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!set) return 0;
    set(threads);
    return 1;
}
