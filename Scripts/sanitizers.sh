#!/usr/bin/env bash
# The kernel, layer and data-parallel tests under AddressSanitizer and ThreadSanitizer (issue #15,
# item 7). Each sanitizer builds in its own scratch directory (.build-asan, .build-tsan), so the
# normal .build never sees sanitizer flags. Fails on any sanitizer report or failing test.
#
#   Scripts/sanitizers.sh [address|thread ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)

# The subset: the kernel tests (but lars-fit's, which runs an executable, and the heap-tuning ones,
# which test glibc's malloc, replaced by ASan's), the layer tests
# (gradients by finite differences, convolution against a reference, BatchNorm, pooling), and the
# tests that run threads: WorkerThreads, data-parallel replicas, synchronised BatchNorm.
filter='LARSKernelsTests\.(CoreSelection|GEMMAgreement|Im2Col|TunedKernelChoice|VectorKernel|WorkerThreads)Tests'
filter+='|LARSNNTests\.(LayerGradient|Conv2DReference|BatchNorm|MaxPool|DataParallel|SyncBatchNorm)Tests'

# Leaks are not checked: the Swift runtime's metadata caches live until exit by design. A report
# exits (code 1) rather than aborts, and Swift's crash backtracer is off: on SIGABRT after an ASan
# report it hit "nested bug in the same thread" and hung, holding the test's output open.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:detect_stack_use_after_return=1
export SWIFT_BACKTRACE=enable=no
# TSan: stop at the first report. No suppressions are needed: OpenBLAS's threads are not
# instrumented, so TSan neither sees nor reports their accesses (races inside them are out of its
# reach); every thread the package starts and every access it makes is checked. TSan builds
# without oneDNN (SWIFT_LARS_DNNL=0): on the oneDNN engine the package's own loops run on
# libgomp's team (ThreadPool.openMP), and libgomp's barriers, which order those loops' accesses,
# are invisible to TSan, so it reported the reuse of a finished region's stack as a race.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

status=0
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        address) scratch=.build-asan; dnnl=${SWIFT_LARS_DNNL:-} ;;
        thread) scratch=.build-tsan; dnnl=0 ;;
        *) echo "error: unknown sanitizer '$sanitizer' (address, thread)" >&2; exit 2 ;;
    esac
    log=$scratch/sanitizer-tests.log
    mkdir -p "$scratch"
    start=$(date +%s)
    if ! SWIFT_LARS_DNNL=$dnnl swift build --build-tests --sanitize "$sanitizer" --scratch-path "$scratch" >"$scratch/build.log" 2>&1; then
        tail -n 40 "$scratch/build.log" >&2
        echo "error: the --sanitize $sanitizer build failed (log: $scratch/build.log)" >&2
        exit 1
    fi
    built=$(date +%s)
    result=0
    SWIFT_LARS_DNNL=$dnnl swift test --skip-build --sanitize "$sanitizer" --scratch-path "$scratch" --filter "$filter" >"$log" 2>&1 || result=$?
    ended=$(date +%s)
    # A run of no tests (a filter that no longer matches) is a failure too.
    count=$(grep -Eo "Test run with [0-9]+ tests? .*passed" "$log" | grep -Eo "[0-9]+" | sed -n 1p || true)
    if [ $result != 0 ] || [ "${count:-0}" = 0 ] \
        || grep -Eq "ERROR: AddressSanitizer|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread)Sanitizer" "$log"; then
        echo "error: tests under --sanitize $sanitizer failed (exit $result, ${count:-0} tests passed); from $log:" >&2
        # The report without the progress lines of the tests still running beside it.
        grep -Ev "^[◇✔↳] " "$log" | grep -E -A 40 "ERROR: AddressSanitizer|WARNING: ThreadSanitizer" \
            | head -n 80 >&2 || true
        grep "✘" "$log" | head -n 20 >&2 || true
        tail -n 20 "$log" >&2
        status=1
    else
        echo "sanitizer $sanitizer: $count tests passed, no report (build $((built - start)) s, tests $((ended - built)) s)"
    fi
done
exit $status
