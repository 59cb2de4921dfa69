#!/usr/bin/env bash
# Builds Examples/Mistakes (lars-mistakes) in a release build and checks that every mistake a user
# can make with data, shapes and files ends with its readable message, not the bare
# "precondition failure" that an -O build leaves of Swift's `precondition`; and that what the
# program printed before the mistake is still in its output.
#
#   Scripts/check-release-errors.sh        (from the repository root; about 2 minutes to build)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product lars-mistakes
binary=.build/release/lars-mistakes

declare -A expected=(
    [input-shape]="conv1 (Conv2D): expected input [N, 1, H, W], got [2, 3, 28, 28]"
    [label-range]="softmaxCrossEntropy: label 12 of row 1 outside 0..<10"
    [backward-without-forward]="(Dense): backward called without a training-mode forward"
    [duplicate-names]="<root> (Sequential): two children are named 'a'"
    [mismatched-checkpoint]="tensor 'weight' has shape [3, 4] in the file, the model expects [5, 4]"
    [dtype]="dtype '<f8' is not supported"
)
failed=0
for name in "${!expected[@]}"; do
    set +e
    output=$(SWIFT_BACKTRACE=enable=no "$binary" "$name" 2>&1)
    status=$?
    set -e
    if [ "$status" = 0 ] || ! grep -qF -- "${expected[$name]}" <<<"$output" \
        || ! grep -qF "before the mistake: $name" <<<"$output"; then
        echo "error: lars-mistakes $name (exit $status) did not print '${expected[$name]}' after its earlier output:" >&2
        echo "$output" | head -n 20 >&2
        failed=1
    else
        echo "release build, $name: exit $status, '${expected[$name]}'"
    fi
done
exit $failed
