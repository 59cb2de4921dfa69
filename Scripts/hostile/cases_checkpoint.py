"""Damaged checkpoints given to --resume: truncated files, lying header lengths, shapes and
offsets, flipped header bytes, NaN/inf/exploded tensors, negative running variances, metadata
that disagrees with itself or with the data now behind the same path. A refused resume must
name the file and leave every file of the run it came from unchanged."""
import os
import random
import shutil
import struct

from . import checks, fixtures
from . import safetensors_edit as st
from .fixtures import base_args, copy_base, run_quiet
from .runner import Case, Spec

CKPT = "checkpoint.safetensors"


def run_files(out):
    return [os.path.join(out, n) for n in sorted(os.listdir(out)) if not n.startswith(".lars-train") and ".tmp-" not in n]


def resume_case(ws, name, change, kind="mlp", expect="refuse", words=(CKPT,), over=None, path=None, timeout=90, rss_mb=None):
    """Resumes a copy of a good one-epoch run for a second epoch after change(checkpoint path)."""
    def build(d):
        out = copy_base(ws, kind, d + "/out")
        ck = os.path.join(out, CKPT)
        if change:
            change(ck)
        target = path(d, ck) if path else ck
        args = base_args(ws, kind, out, resume=target, **(over or {}))
        check = None
        if rss_mb:
            check = lambda r: ("silent wrong", "peak RSS %.0f MB" % r.max_rss_mb) if r.max_rss_mb > rss_mb else None
        protect = run_files(out) if expect == "refuse" else []
        if expect == "complete" and kind == "mlp" and not over:
            # A resumed run's logs read as one run: each epoch and step once, in order.
            check = lambda r: (lambda p: ("silent wrong", p) if p else None)(
                checks.log_sequence_problem(out, int(fixtures.BASE_EPOCHS), 512 // 64))
        return Spec(args=args, protect=protect, checkpoint=ck, check=check)
    return Case("checkpoints", name, build, expect, words, timeout=timeout)


def _cut_at_data(path):
    start = st.data_start(path)
    with open(path, "r+b") as f:
        f.truncate(start)


def _set_len(value):
    return st.edit_bytes(lambda b: struct.pack("<Q", value) + b[8:])


def _first(suffix, fn, optimizer=False):
    """Edits the header entry of the first tensor ending in suffix."""
    def edit(header):
        fn(header[st.pick(header, suffix, optimizer)])
    return st.edit_header(edit)


def _rename(header):
    name = st.pick(header, "weight")
    header[name + "_renamed"] = header.pop(name)


def _drop(header):
    header.pop(st.pick(header, "bias"))


def _extra(header):
    entry = dict(header[st.pick(header, "bias")])
    header["extra.weight"] = entry


def _flip_header(seed):
    def go(path):
        end = st.data_start(path)
        rng = random.Random(seed)
        with open(path, "r+b") as f:
            pos = rng.randrange(8, end)
            f.seek(pos)
            old = f.read(1)[0]
            f.seek(pos)
            f.write(bytes([old ^ (1 << rng.randrange(8))]))
    return go


def _flip_data(seed):
    def go(path):
        start = st.data_start(path)
        size = os.path.getsize(path)
        rng = random.Random(seed)
        with open(path, "r+b") as f:
            pos = rng.randrange(start, size)
            f.seek(pos)
            old = f.read(1)[0]
            f.seek(pos)
            # Bits of the high byte of a float (sign, exponent) make the interesting changes.
            f.write(bytes([old ^ (1 << rng.randrange(8))]))
    return go


def _flip_exponent(path):
    start = st.data_start(path)
    with open(path, "r+b") as f:
        f.seek(start + 4 * 37 + 3)
        f.write(b"\x7f")
        f.seek(start + 4 * 37 + 2)
        f.write(b"\xff")


def _sparse(path):
    open(path, "r+b").truncate(2 << 30)


def _foreign(path):
    import numpy as np
    from safetensors.numpy import save_file
    save_file({"x": np.zeros((4, 4), dtype=np.float32)}, path)


def tensor_cases(ws):
    def nan(a): a[5] = float("nan")
    def inf(a): a[0] = float("inf")
    def ninf(a): a[-1] = float("-inf")
    def exploded(a): a[3] = 1e30
    def negative(a): a[1] = -0.5
    R = resume_case
    return [
        R(ws, "weight NaN", st.edit_values("weight", nan), words=("weight",)),
        R(ws, "weight +inf", st.edit_values("weight", inf), words=("weight",)),
        R(ws, "bias -inf", st.edit_values("bias", ninf), words=("bias",)),
        R(ws, "weight 1e30 (exploded)", st.edit_values("weight", exploded), words=("weight",)),
        R(ws, "optimizer state NaN", st.edit_values("weight", nan, optimizer=True), words=("optimizer",)),
        R(ws, "exponent bits set in tensor data", _flip_exponent, words=("holds", "nan", "inf")),
        R(ws, "BatchNorm running variance negative", st.edit_values("runningVariance", negative), kind="cnn", words=("runningVariance",)),
        R(ws, "BatchNorm running variance NaN", st.edit_values("runningVariance", nan), kind="cnn", words=("runningVariance",)),
        R(ws, "BatchNorm running mean inf", st.edit_values("runningMean", inf), kind="cnn", words=("runningMean",)),
        R(ws, "BatchNorm scale NaN", st.edit_values(".scale", nan), kind="cnn", words=("scale",)),
    ]


def header_cases(ws):
    R = resume_case
    shape = lambda s: _first("weight", lambda e: e.__setitem__("shape", s))
    def offsets(fn):
        return _first("weight", lambda e: e.__setitem__("data_offsets", fn(e["data_offsets"])))
    cases = [
        R(ws, "truncated to half", st.edit_bytes(lambda b: b[: len(b) // 2])),
        R(ws, "truncated to 7 bytes", st.edit_bytes(lambda b: b[:7])),
        R(ws, "empty file", st.edit_bytes(lambda b: b"")),
        R(ws, "truncated at the end of the header", _cut_at_data),
        R(ws, "header length 2^63", _set_len(1 << 63)),
        R(ws, "header length 2^64-1", _set_len((1 << 64) - 1)),
        R(ws, "header length 0", _set_len(0)),
        R(ws, "header not JSON", st.edit_bytes(lambda b: b[:8] + b"x" + b[9:])),
        R(ws, "dtype F64", _first("weight", lambda e: e.__setitem__("dtype", "F64"))),
        R(ws, "dtype I32 (same size)", _first("weight", lambda e: e.__setitem__("dtype", "I32")), words=(CKPT, "I32", "dtype")),
        R(ws, "dtype unknown", _first("weight", lambda e: e.__setitem__("dtype", "Q7"))),
        R(ws, "shape [2^61]", shape([1 << 61])),
        R(ws, "shape [2^31, 2^31]", shape([1 << 31, 1 << 31])),
        R(ws, "shape [2^64-1]", shape([(1 << 64) - 1])),
        R(ws, "shape negative", shape([-1, 784])),
        R(ws, "shapes transposed", _first("weight", lambda e: e.__setitem__("shape", e["shape"][::-1]))),
        R(ws, "data_offsets end 2^62", offsets(lambda o: [o[0], 1 << 62])),
        R(ws, "data_offsets reversed", offsets(lambda o: [o[1], o[0]])),
        R(ws, "data_offsets overlap the next tensor", offsets(lambda o: [o[0] + 4, o[1] + 4])),
        R(ws, "tensor missing", st.edit_header(_drop), words=(CKPT, "bias")),
        R(ws, "unknown extra tensor", st.edit_header(_extra), words=(CKPT, "extra.weight")),
        R(ws, "tensor renamed", st.edit_header(_rename), words=(CKPT, "weight")),
        R(ws, "metadata removed", st.edit_header(lambda h: h.pop("__metadata__", None))),
        R(ws, "metadata format wrong", st.edit_metadata("format", "pytorch")),
        R(ws, "metadata configuration not JSON", st.edit_metadata("configuration", "{not json")),
        R(ws, "metadata configuration says small-cnn", st.edit_metadata("configuration", lambda c: c.replace('"mlp"', '"small-cnn"')), expect="refuse"),
        R(ws, "metadata epoch -1", st.edit_metadata("epoch", "-1")),
        R(ws, "metadata epoch abc", st.edit_metadata("epoch", "abc")),
        R(ws, "metadata epoch 5, step 4", st.edit_metadata("epoch", "5"), words=(CKPT, "step", "epoch")),
        R(ws, "metadata epoch 2^63", st.edit_metadata("epoch", "9223372036854775807")),
        R(ws, "metadata step 3 (epoch ends at 4)", st.edit_metadata("step", "3"), words=(CKPT, "step")),
        R(ws, "metadata step -4", st.edit_metadata("step", "-4")),
        R(ws, "metadata step removed", st.edit_metadata("step", None), expect="either"),
        R(ws, "metadata generator all zero", st.edit_metadata("generator", "0,0,0,0")),
        R(ws, "metadata generator two words", st.edit_metadata("generator", "1,2")),
        R(ws, "metadata optimizer scalars not JSON", st.edit_metadata("optimizer_scalars", "[[")),
        R(ws, "metadata best_score 2", st.edit_metadata("best_score", "2")),
        R(ws, "metadata best_score nan", st.edit_metadata("best_score", "nan")),
        R(ws, "metadata data fingerprint changed", st.edit_metadata("data", lambda v: (v or "") + "0"), words=(CKPT, "data")),
        R(ws, "metadata normalisation changed", st.edit_metadata("normalization", lambda v: (v or "").replace("0.", "0.9", 1)), words=(CKPT, "normalisation")),
        R(ws, "header padded with 8 MB of spaces", lambda p: st.join(p, *_pad(p)), expect="either"),
    ]
    cases += [R(ws, "random header bit flip #%d" % i, _flip_header(1000 + i), expect="either") for i in range(12)]
    # A bit flipped in the tensor data is refused: by the tensor's name when it makes a value
    # non-finite or huge, otherwise by the checkpoint's hash of its tensors.
    cases += [R(ws, "random tensor-data bit flip #%d" % i, _flip_data(2000 + i), words=("holds", "exploded", "do not match the hash")) for i in range(8)]
    return cases


def _pad(path):
    header, data = st.split(path)
    header["__metadata__"]["padding"] = " " * (8 << 20)
    return header, data


def path_cases(ws):
    R = resume_case
    def fifo(d, ck):
        os.mkfifo(d + "/fifo")
        return d + "/fifo"
    return [
        R(ws, "--resume missing file", None, path=lambda d, ck: d + "/nope.safetensors", words=("nope.safetensors",)),
        R(ws, "--resume a directory", None, path=lambda d, ck: d, words=(CKPT, "directory", "/")),
        R(ws, "--resume /dev/zero", None, path=lambda d, ck: "/dev/zero", words=("/dev/zero",), timeout=30, rss_mb=400),
        R(ws, "--resume /dev/null", None, path=lambda d, ck: "/dev/null", words=("/dev/null",)),
        R(ws, "--resume a FIFO", None, path=fifo, words=("fifo",), timeout=20),
        R(ws, "--resume 2 GiB sparse file", _sparse, rss_mb=400),
        R(ws, "--resume a safetensors file of another program", _foreign, words=(CKPT, "metadata")),
        R(ws, "--resume with another --model", None, over={"model": "small-cnn"}, words=("model", "small-cnn")),
        R(ws, "--resume with another --lr", None, over={"lr": "0.5"}, expect="either", words=("lr", "learning")),
        R(ws, "--resume with another --train-limit", None, over={"train_limit": "192"}, expect="either", words=("limit", "data")),

        R(ws, "--resume best.safetensors", None, path=lambda d, ck: os.path.join(os.path.dirname(ck), "best.safetensors"), expect="complete"),
        R(ws, "--resume spelled out/./checkpoint", None, path=lambda d, ck: d + "/out/./" + CKPT, expect="complete"),
        R(ws, "--resume good checkpoint (control)", None, expect="complete"),
    ] + [_data_changed(ws, "pixels changed behind the same --data-dir", 16, 1),
         _data_changed(ws, "labels changed behind the same --data-dir", 8, 0, stem="train-labels-idx1-ubyte"),
         # The base run finished its one epoch: resuming it trains nothing, which is refused (issue
         # #24), but only after the data check, which the same data through a link passes.
         _data_changed(ws, "same data through a symlinked --data-dir", None, 0, words=("nothing is left to train",))]


def _data_changed(ws, name, offset, value, stem="train-images-idx3-ubyte", expect="refuse", words=(CKPT, "data")):
    def build(d):
        data = ws.copy_data(d + "/data")
        out = d + "/out"
        run_quiet(base_args(ws, "mlp", out, data=data, epochs="1"))
        data_arg = data
        if offset is not None:
            with open(os.path.join(data, stem), "r+b") as f:
                f.seek(offset)
                f.write(bytes([value ^ 0xFF]) * 64)
        else:
            os.symlink(data, d + "/link")
            data_arg = d + "/link"
        ck = os.path.join(out, CKPT)
        args = base_args(ws, "mlp", out, data=data_arg, resume=ck, epochs="1")
        return Spec(args=args, protect=run_files(out) if expect == "refuse" else [], checkpoint=ck)
    return Case("checkpoints", name, build, expect, words, timeout=120)


def cases(ws):
    return tensor_cases(ws) + header_cases(ws) + path_cases(ws)
