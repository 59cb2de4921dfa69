#!/usr/bin/env bash
# Builds the DocC documentation of every library module (each module's `<Module>.docc` catalog
# plus the doc comments of its public symbols) through swift-docc-plugin, and fails on any
# documentation warning: an unresolved symbol or article link, a parameter missing from a
# `- Parameters:` list, a malformed directive. DocC turns its warnings into errors
# (`--warnings-as-errors`); the output is also searched for DocC's own "warning:" lines in case
# a warning slips through (compiler warnings, on .swift lines, are not this script's business).
#
#   Scripts/check-docs.sh                 (from the repository root; about 2 minutes after a debug build)
#   Scripts/check-docs.sh LARSNN          (only the named modules)
#
# The archives land in .build/plugins/Swift-DocC/outputs/<Module>.doccarchive; preview one with
# `swift package --disable-sandbox preview-documentation --target <Module>`.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    modules=(LARSKernels LARSCore LARSNN LARSOptimizers LARSData LARSTraining SwiftLARS)
fi

failed=()
for module in "${modules[@]}"; do
    log=$(mktemp)
    echo "== documentation of $module"
    if ! swift package --disable-sandbox generate-documentation --target "$module" --warnings-as-errors \
        >"$log" 2>&1; then
        grep -E "(warning|error):" "$log" | grep -v "\.swift:[0-9]*:[0-9]*: warning:" >&2 || cat "$log" >&2
        failed+=("$module")
    elif grep -E "warning:" "$log" | grep -Ev "\.swift:[0-9]+:[0-9]+: warning:|^ *\|" | grep -q .; then
        grep -E "warning:" "$log" | grep -Ev "\.swift:[0-9]+:[0-9]+: warning:|^ *\|" >&2
        failed+=("$module")
    fi
    rm -f "$log"
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "error: documentation warnings in ${failed[*]} (see above)" >&2
    exit 1
fi
echo "documentation of ${modules[*]}: built, no warnings"
