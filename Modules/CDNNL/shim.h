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

// OpenMP's fork-join entry point and thread queries, looked up at run time like
// omp_set_num_threads above, so that the framework's own parallel loops run on the same
// OpenMP team as oneDNN's primitives (ParallelOpenMP.swift resolves them once and uses them
// only if all three exist). GOMP_parallel(fn, data, threads, 0) runs fn(data) on `threads`
// members of the calling thread's team and returns when all have finished. No static storage
// here: a header's static variables are not emitted for Swift's use of these functions.
typedef void (*lars_omp_parallel_function)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*lars_omp_query_function)(void);

static inline lars_omp_parallel_function lars_omp_find_parallel(void) {
    return (lars_omp_parallel_function)dlsym(RTLD_DEFAULT, "GOMP_parallel");
}

static inline lars_omp_query_function lars_omp_find_thread_num(void) {
    return (lars_omp_query_function)dlsym(RTLD_DEFAULT, "omp_get_thread_num");
}

static inline lars_omp_query_function lars_omp_find_num_threads(void) {
    return (lars_omp_query_function)dlsym(RTLD_DEFAULT, "omp_get_num_threads");
}
