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
// OpenMP team as oneDNN's primitives: one pool of threads, not two that spin against each
// other. GOMP_parallel(fn, data, threads, 0) runs fn(data) on `threads` threads and returns
// when all have finished. The three are resolved together, once (pthread_once), and used only
// if all three exist: a team whose members could not tell their numbers would run every chunk
// on every thread.
#include <pthread.h>

typedef struct {
    void (*parallel)(void (*)(void *), void *, unsigned, unsigned);
    int (*thread_num)(void);
    int (*num_threads)(void);
} lars_omp_functions;

static lars_omp_functions lars_omp_table;
static pthread_once_t lars_omp_once = PTHREAD_ONCE_INIT;

static inline void lars_omp_resolve(void) {
    lars_omp_functions found;
    found.parallel = (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(RTLD_DEFAULT, "GOMP_parallel");
    found.thread_num = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_thread_num");
    found.num_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_num_threads");
    if (found.parallel && found.thread_num && found.num_threads) lars_omp_table = found;
}

// Runs body(data) on `threads` members of the calling thread's OpenMP team and returns 1; returns
// 0, running nothing, when no complete OpenMP runtime is loaded.
static inline int lars_omp_parallel(void (*body)(void *), void *data, unsigned threads) {
    pthread_once(&lars_omp_once, lars_omp_resolve);
    if (!lars_omp_table.parallel) return 0;
    lars_omp_table.parallel(body, data, threads, 0);
    return 1;
}

// The calling thread's number in its OpenMP team (0 outside a parallel region).
static inline int lars_omp_thread_num(void) {
    pthread_once(&lars_omp_once, lars_omp_resolve);
    return lars_omp_table.thread_num ? lars_omp_table.thread_num() : 0;
}

// The size of the calling thread's OpenMP team (1 outside a parallel region).
static inline int lars_omp_num_threads(void) {
    pthread_once(&lars_omp_once, lars_omp_resolve);
    return lars_omp_table.num_threads ? lars_omp_table.num_threads() : 1;
}
