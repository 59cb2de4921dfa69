#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Targets/<target>.swift) against an address-sanitized,
# coverage-instrumented build of the package in its own scratch directory (.build-fuzz), so the
# normal `swift build` never sees fuzzer flags, then runs each target for a bounded time.
#
#   Fuzz/run.sh [seconds per target, default 45] [target ...]   (targets: idx cifar safetensors checkpoint numpy npz png)
#
# Fails (non-zero) on the first target that crashes, traps, leaks past the malloc limit or hangs;
# the input is left in .build-fuzz/artifacts/. New inputs go to .build-fuzz/corpus/<target>; the
# committed seeds in Fuzz/corpus/<target> are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-45}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(idx cifar safetensors checkpoint numpy npz png)
scratch=.build-fuzz

# 1. The library modules, instrumented. Only library targets are built: an executable would bring
#    its own main, and libFuzzer brings one.
#    oneDNN is left out (SWIFT_LARS_DNNL=0): no parser uses it, and it would need its own link flags.
SWIFT_LARS_DNNL=0 swift build --scratch-path "$scratch" --target LARSTraining --sanitize fuzzer --sanitize address
debug="$scratch/debug"
objects=()
for module in LARSKernels LARSCore LARSNN LARSOptimizers LARSData LARSTraining; do
    objects+=("$debug/$module.build"/*.o)
done
# The C modules the Swift modules import, found as the package build finds them.
cflags=()
for flag in $(pkg-config --cflags openblas zlib libpng) -fmodule-map-file=Modules/CBLAS/module.modulemap \
    -fmodule-map-file=Modules/CZlib/module.modulemap -fmodule-map-file=Modules/CPNG/module.modulemap; do
    cflags+=(-Xcc "$flag")
done
libs=$(pkg-config --libs openblas zlib libpng)

mkdir -p "$scratch/artifacts"
status=0
for target in "${targets[@]}"; do
    binary="$scratch/fuzz-$target"
    # 2. One binary per target: its entry point, the shared support file and the library objects.
    #    (ld.gold's "cannot export local symbol __asan_..." warnings are harmless and filtered.)
    swiftc -parse-as-library -sanitize=fuzzer,address -g -I "$debug/Modules" "${cflags[@]}" \
        Fuzz/Support.swift "Fuzz/Targets/$target.swift" "${objects[@]}" $libs -llapacke -o "$binary" \
        2> >(grep -v "Cannot export local symbol '__asan" >&2)
    mkdir -p "$scratch/corpus/$target"
    # 3. Run it. -malloc_limit_mb makes any single allocation over 256 MB a failure: no input this
    #    small may make a reader trust a size it has not checked. Leak detection is off because the
    #    Swift runtime's metadata caches are never freed and would be reported.
    log="$scratch/fuzz-$target.log"
    if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$scratch/artifacts/$target-" \
        "$scratch/corpus/$target" "Fuzz/corpus/$target" >"$log" 2>&1; then
        runs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$log" | grep -Eo "[0-9]+$" || echo "?")
        echo "fuzz $target: $runs executions in ${seconds}s, no crash"
    else
        echo "error: fuzz $target failed; the end of its log ($log):" >&2
        tail -n 40 "$log" >&2
        status=1
    fi
done
exit $status
