#!/usr/bin/env bash
# TensorBoard read-back (issue 23, item 3): a short real lars-train run and a two-run lars-study
# grid write their event files, and Scripts/tensorboard_read_back.py reads them with the
# `tensorboard` Python package, checking tags, steps and values against metrics.csv, steps.csv,
# trust_ratios.csv and study.csv, and the grid's HParams table as TensorBoard's plugin builds it.
#
# Usage: Scripts/check-tensorboard.sh [BIN_DIR]   (default .build/debug, holding lars-train and
# lars-study). PYTHON names the interpreter with `tensorboard` installed (default python3);
# without the package the check is skipped with a message (exit 0), never silently passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug}
python=${PYTHON:-python3}
if ! "$python" -c "import tensorboard" 2>/dev/null; then
    echo "skipped: the TensorBoard read-back test needs the tensorboard Python package ($python -m pip install tensorboard)"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The MLP keeps the runs to seconds in a debug build; LARS gives it trust ratios to log.
"$bin/lars-train" --model mlp --train-limit 2048 --validation 256 --test-limit 500 --epochs 2 --batch-size 128 \
    --output "$work/run" >"$work/run.log" 2>&1 || { cat "$work/run.log"; exit 1; }
"$bin/lars-study" --optimizers sgd,lars --batches 256 --epochs 1 --model mlp --train-limit 512 \
    --validation 256 --test-limit 200 --output "$work/study" >"$work/study.log" 2>&1 || { cat "$work/study.log"; exit 1; }
"$python" -W ignore Scripts/tensorboard_read_back.py "$work/run" "$work/study"
