#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus (Fuzz/corpus/<target>/): small valid files and slightly broken
ones, so that libFuzzer starts from inputs that reach deep into each parser. Deterministic; the
output is committed, rerun only to change the seeds."""
import gzip, json, os, struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)

def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)

# IDX: labels (rank 1) and images (rank 3), plain and gzip, and broken variants.
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 5) + bytes([0, 1, 2, 3, 9])
images = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 4) + bytes(range(24))
for name, data in {
    "labels.idx": labels, "images.idx": images,
    "labels.idx.gz": gz(labels), "images.idx.gz": gz(images),
    "truncated.idx": images[:-5], "trailing.idx": labels + b"\x07\x07",
    "overflow.idx": bytes([0, 0, 8, 3]) + struct.pack(">III", 1, 0xFFFFFFFF, 0xFFFFFFFF),
    "huge-count.idx.gz": gz(bytes([0, 0, 8, 1]) + struct.pack(">I", 0xFFFFFFFF) + bytes(64)),
    "bomb.idx.gz": gz(bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + bytes(1 << 16)),
    "cut.idx.gz": gz(images)[:-9],
}.items():
    put("idx", name, data)

# CIFAR: one CIFAR-10 record, two CIFAR-100 records, and broken variants.
pixels = bytes((i * 7) % 256 for i in range(3072))
cifar10 = bytes([3]) + pixels
cifar100 = bytes([4, 41]) + pixels + bytes([19, 99]) + pixels
for name, data in {
    "cifar10.bin": cifar10, "cifar100.bin": cifar100, "cifar10.bin.gz": gz(cifar10),
    "truncated.bin": cifar10[:-1], "bad-label.bin": bytes([200]) + pixels, "empty.bin": b"",
}.items():
    put("cifar", name, data)

def safetensors(header, data):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data

def f32(*values):
    return struct.pack("<%df" % len(values), *values)

good = safetensors({"__metadata__": {"epoch": "1"},
                    "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                    "b": {"dtype": "F32", "shape": [1], "data_offsets": [16, 20]}}, f32(1, 2, 3, 4, 5))
for name, data in {
    "good.safetensors": good,
    "truncated.safetensors": good[:-3],
    "shape-2p61.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2**61], "data_offsets": [0, 8]}}, bytes(8)),
    "shape-2p31x2p31.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2**31, 2**31], "data_offsets": [0, 8]}}, bytes(8)),
    "past-end.safetensors": safetensors({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 2**62]}}, bytes(8)),
    "negative-length.safetensors": struct.pack("<Q", 2**64 - 1) + good[8:],
    "gap.safetensors": safetensors({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8)),
}.items():
    put("safetensors", name, data)

# A checkpoint's metadata as swift-lars writes it (TrainingConfiguration's fields, sorted).
configuration = {
    "accumulationSteps": 1, "backend": "openblas", "batchSize": 32, "cropPadding": None, "dataset": "synthetic",
    "decayEpochs": [30], "decayRate": 0.1, "dropLast": True, "epochs": 3, "evalBatchSize": 64, "evalEvery": 1,
    "excludeBiasAndNorm": True, "horizontalFlip": False, "larcClip": False, "larsDenominator": "paper",
    "learningRate": 2, "minLearningRate": 0, "model": "small-cnn", "momentum": 0.9, "momentumPlacement": "inside",
    "beta2": 0.999, "nesterov": False, "nonFinite": "error", "optimizer": "lars", "outputDirectory": "out",
    "polyPower": 2, "randomCrop": False, "scaleLearningRate": False, "schedule": "poly", "seed": 42,
    "syncBatchNorm": False, "threads": 2, "trustCoefficient": 0.001, "warmupEpochs": 0.5, "weightDecay": 0.0005,
    "labelSmoothing": 0,
}
configuration = {k: v for k, v in configuration.items() if v is not None}
metadata = {
    "format": "swift-lars-checkpoint-1", "epoch": "2", "step": "4", "schedule": "poly",
    "generator": "1,2,3,4", "normalization": "0.5,0.25", "optimizer": "lars",
    "optimizer_scalars": json.dumps({"step": 4}), "configuration": json.dumps(configuration, sort_keys=True),
}
tensors = {"fc.weight": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
put("checkpoint", "checkpoint.safetensors", safetensors({"__metadata__": metadata, **tensors}, f32(0.5, -1)))
for key, value in [("epoch", "-1"), ("generator", "0,0,0,0"), ("configuration", "{"), ("optimizer_scalars", "[1]")]:
    broken = dict(metadata, **{key: value})
    put("checkpoint", "bad-%s.safetensors" % key, safetensors({"__metadata__": broken, **tensors}, f32(0.5, -1)))

# npz (issue #24): Keras-style archives, stored and deflated, and the damage the campaign found:
# a central directory cut off, a local offset past the end, a member whose declared size its
# .npy header does not describe, a member inflating far past a small header.
import zlib

def npy(descr, shape, payload):
    shape_text = "(%d,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(str(s) for s in shape) + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload

def zip_members(members):
    out, directory = b"", b""
    for name, body, crc, size, method in members:
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(body), size, len(n), 0) + n + body
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(body), size,
                                 len(n), 0, 0, 0, 0, 0, offset) + n
    return out + directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)

def deflated(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()

arrays = {"x_train": npy("|u1", [2, 2, 2], bytes(range(8))), "y_train": npy("<i8", [2], struct.pack("<qq", 0, 1)),
          "x_test": npy("|u1", [1, 2, 2], bytes(4)), "y_test": npy("<i8", [1], struct.pack("<q", 1))}
def archive(method, change=None):
    members = []
    for name, data in arrays.items():
        body = deflated(data) if method == 8 else data
        members.append((name + ".npy", body, zlib.crc32(data), len(data), method))
    return zip_members(change(members) if change else members)
stored, packed = archive(0), archive(8)
bomb_header = npy("|u1", [2, 2, 2], b"")
bomb_body = deflated(bomb_header + bytes(1 << 16))
for name, data in {
    "stored.npz": stored, "deflated.npz": packed,
    "cut-directory.npz": packed[:-30], "cut-half.npz": packed[: len(packed) // 2],
    "offset-past-end.npz": packed[:packed.index(b"PK\x01\x02") + 42] + struct.pack("<I", 0x7FFFFFF0)
        + packed[packed.index(b"PK\x01\x02") + 46:],
    "size-disagrees.npz": archive(8, lambda m: [(m[0][0], m[0][1], m[0][2], m[0][3] + 1, 8)] + m[1:]),
    "bomb.npz": zip_members([("x_train.npy", bomb_body, zlib.crc32(bomb_header + bytes(1 << 16)), len(bomb_header) + (1 << 16), 8)]
                            + [(n + ".npy", d, zlib.crc32(d), len(d), 0) for n, d in arrays.items() if n != "x_train"]),
    "huge-label.npz": zip_members([(n + ".npy", d, zlib.crc32(d), len(d), 0) for n, d in
                                   dict(arrays, y_train=npy("<i8", [2], struct.pack("<qq", 0, 2**63 - 1))).items()]),
}.items():
    put("npz", name, data)

# A current (version 2) checkpoint, with its integrity entries.
metadata_v2 = dict(metadata, format="swift-lars-checkpoint-2", data="train x; test y", tensors_hash="0123")
put("checkpoint", "checkpoint-v2.safetensors", safetensors({"__metadata__": metadata_v2, **tensors}, f32(0.5, -1)))
