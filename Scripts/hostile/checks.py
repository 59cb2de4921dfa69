"""Checks of a run's results from outside: the checkpoint loads with Python's safetensors and
holds a sound state, the logs parse and hold finite numbers, the output reports no NaN."""
import csv
import json
import os
import re
import struct

try:
    import numpy as np
    from safetensors import safe_open
except ImportError:  # the campaign still runs; checkpoints are then checked by header only
    np = None
    safe_open = None

NAN_WORD = re.compile(r"(?<![a-z])(nan|[-+]?inf)(?![a-z])", re.IGNORECASE)


def read_header(path):
    """The JSON header of a safetensors file (raises on a malformed file)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        if n > 100_000_000:
            raise ValueError("header length %d" % n)
        return json.loads(f.read(n))


def load_tensors(path):
    """Name -> numpy array of every tensor in the file, and its metadata."""
    with safe_open(path, framework="numpy") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, (f.metadata() or {})


def checkpoint_problem(path):
    """Why the checkpoint at path is not a sound state, or None: unreadable, a non-finite or
    exploded value, a negative running variance."""
    try:
        if safe_open is None:
            read_header(path)
            return None
        tensors, _ = load_tensors(path)
    except Exception as e:
        return "unreadable (%s)" % e
    for name, t in tensors.items():
        if t.dtype.kind != "f":
            continue
        if not np.all(np.isfinite(t)):
            return "%s holds non-finite values" % name
        if not name.startswith("optimizer/") and t.size and np.max(np.abs(t)) > 1e18:
            return "%s holds values beyond 1e18" % name
        if name.endswith("runningVariance") and t.size and t.min() < 0:
            return "%s holds a negative variance" % name
    return None


def checkpoint_epoch(path):
    try:
        return int(read_header(path).get("__metadata__", {}).get("epoch", "-1"))
    except Exception:
        return None


def csv_problem(path):
    """Why a CSV log does not parse (ragged rows, non-finite numbers), or None."""
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except Exception as e:
        return "%s unreadable (%s)" % (os.path.basename(path), e)
    if not rows:
        return None
    width = len(rows[0])
    for i, row in enumerate(rows[1:], 2):
        if len(row) != width:
            return "%s line %d has %d fields, the header %d" % (os.path.basename(path), i, len(row), width)
        for cell in row:
            if NAN_WORD.fullmatch(cell.strip()):
                return "%s line %d holds %s" % (os.path.basename(path), i, cell)
    return None


def finite_results(output, spec):
    """Why a run that exited 0 did not produce finite, readable results, or None."""
    for line in output.splitlines():
        if line.startswith(("final test accuracy", "epoch", "test")) and NAN_WORD.search(line):
            return "output reports a non-finite value: " + line.strip()
    if spec.checkpoint:
        directory = os.path.dirname(spec.checkpoint)
        for name in ("metrics.csv", "steps.csv"):
            p = os.path.join(directory, name)
            if os.path.exists(p):
                bad = csv_problem(p)
                if bad:
                    return bad
        for p in (spec.checkpoint, os.path.join(directory, "best.safetensors")):
            if os.path.exists(p):
                bad = checkpoint_problem(p)
                if bad:
                    return "%s: %s" % (os.path.basename(p), bad)
    return None


def log_sequence_problem(directory, epochs, steps_per_epoch):
    """Why the logs of a finished run do not read as one run: metrics.csv must hold epochs
    1..epochs once each, in order; steps.csv steps 0..epochs*steps_per_epoch-1 once each."""
    try:
        with open(os.path.join(directory, "metrics.csv"), newline="") as f:
            got = [int(row[0]) for row in list(csv.reader(f))[1:]]
        if got != list(range(1, epochs + 1)):
            return "metrics.csv epochs are %s, expected 1..%d once each" % (got, epochs)
        with open(os.path.join(directory, "steps.csv"), newline="") as f:
            got = [int(row[0]) for row in list(csv.reader(f))[1:]]
        if got != list(range(epochs * steps_per_epoch)):
            dup = len(got) - len(set(got))
            return "steps.csv holds %d rows (%d repeated), expected steps 0..%d once each" % (len(got), dup, epochs * steps_per_epoch - 1)
    except (OSError, ValueError, IndexError) as e:
        return "logs unreadable: %s" % e
    return None
