#!/usr/bin/env python3
"""Checks swift-lars checkpoints independently of the Swift reader (used by mpi-netns-test.sh).

    check-checkpoints.py A.safetensors            # intact: parses, every float finite; prints the epoch
    check-checkpoints.py A.safetensors B.safetensors   # both intact, same epoch, tensors bit-equal

The format is read with the standard library alone (8-byte little-endian header length, JSON
header, raw little-endian tensors), so the check runs where pip cannot install packages; when
Python's `safetensors` is installed, each file is also loaded with it and must give the same bytes.
Exits 1 with the reason on the first failure.
"""
import json
import math
import struct
import sys
from array import array

FLOAT_CODES = {"F32": "f", "F64": "d"}


def read(path):
    """Returns (metadata, {name: (dtype, shape, bytes)}), checking offsets against the file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        sys.exit(f"{path}: {len(data)} bytes, shorter than the header length")
    (length,) = struct.unpack("<Q", data[:8])
    if 8 + length > len(data):
        sys.exit(f"{path}: header length {length} runs past the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        if not 0 <= begin <= end <= len(body):
            sys.exit(f"{path}: tensor {name} at [{begin}, {end}) outside the {len(body)}-byte body")
        tensors[name] = (info["dtype"], info["shape"], body[begin:end])
    return metadata, tensors


def check_intact(path):
    metadata, tensors = read(path)
    if "epoch" not in metadata:
        sys.exit(f"{path}: no epoch in the metadata; not a swift-lars checkpoint")
    for name, (dtype, _, raw) in tensors.items():
        code = FLOAT_CODES.get(dtype)
        if code is None:
            continue
        values = array(code)
        values.frombytes(raw)
        if sys.byteorder != "little":
            values.byteswap()
        if not all(math.isfinite(v) for v in values):
            sys.exit(f"{path}: non-finite values in {name}")
    try:
        from safetensors import safe_open
    except ImportError:
        official = "Python's safetensors not installed"
    else:
        with safe_open(path, "np") as f:
            for name in f.keys():
                if f.get_tensor(name).tobytes() != tensors[name][2]:
                    sys.exit(f"{path}: safetensors reads {name} differently")
        official = "also loaded with Python's safetensors"
    print(f"{path}: {len(tensors)} tensors, epoch {metadata['epoch']}, all finite ({official})")
    return metadata, tensors


def main():
    paths = sys.argv[1:]
    if len(paths) not in (1, 2):
        sys.exit(__doc__)
    checked = [check_intact(path) for path in paths]
    if len(checked) == 2:
        (meta_a, a), (meta_b, b) = checked
        if meta_a["epoch"] != meta_b["epoch"] or a.keys() != b.keys():
            sys.exit(f"the checkpoints differ in epoch ({meta_a['epoch']}, {meta_b['epoch']}) or tensor names")
        differ = [name for name in a if a[name] != b[name]]
        if differ:
            sys.exit(f"the checkpoints differ in {len(differ)} of {len(a)} tensors: {differ[:5]}")
        print(f"all {len(a)} tensors bit-equal")


if __name__ == "__main__":
    main()
