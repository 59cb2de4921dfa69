"""NumPy and image-folder data (issue #24): .npy labels that would size a model (int64 extremes,
one class), .npz archives whose members inflate past their header or whose central directory is
cut or points past the end, and PNG folders holding FIFOs, device links, link loops and images
too large for one step. A refusal must name the file or the problem, within bounded memory."""
import os
import struct
import zlib

from . import npy_files as nf
from .fixtures import tiny
from .runner import Case, Spec

TRAIN, TEST, SIDE = 256, 128, 8


def _rss(limit_mb):
    return lambda r: ("silent wrong", "peak RSS %.0f MB above %d MB" % (r.max_rss_mb, limit_mb)) if r.max_rss_mb > limit_mb else None


def _arrays(train_labels=None, test_labels=None):
    train_labels = train_labels or [i % 4 for i in range(TRAIN)]
    test_labels = test_labels or [i % 4 for i in range(TEST)]
    return {"x_train": nf.images(len(train_labels), SIDE, 1), "y_train": nf.labels(train_labels),
            "x_test": nf.images(len(test_labels), SIDE, 2), "y_test": nf.labels(test_labels)}


def _npy_case(name, change, expect="refuse", words=(), rss_mb=None, npz=False, timeout=60, **over):
    """A run on NumPy arrays (four .npy files, or one .npz), changed by change(arrays, path)."""
    def build(d):
        arrays = _arrays()
        data = d + ("/d.npz" if npz else "/data")
        if change:
            arrays = change(arrays) or arrays
        if npz:
            if isinstance(arrays, bytes):
                open(data, "wb").write(arrays)
            elif arrays is not None:
                open(data, "wb").write(nf.zip_arrays(arrays))
        else:
            os.makedirs(data, exist_ok=True)
            for k, v in arrays.items():
                path = os.path.join(data, k + ".npy")
                if callable(v):
                    v(path)
                else:
                    open(path, "wb").write(v)
        args = tiny(data, d + "/out", dataset="npy", train_limit=None, test_limit=None, **over)
        return Spec(args=args, check=_rss(rss_mb) if rss_mb else None, checkpoint=d + "/out/checkpoint.safetensors")
    return Case("numpy data", name, build, expect, words, timeout=timeout)


def _label(value, descr="<i8"):
    return lambda a: dict(a, y_train=nf.labels([value] + [i % 4 for i in range(1, TRAIN)], descr))


def _fifo(path):
    os.mkfifo(path)


def _npz_bytes(f):
    """An .npz of the base arrays whose bytes are changed by f(bytes) -> bytes."""
    return lambda a: f(nf.zip_arrays(a))


def _bomb(header_shape, zeros):
    def change(a):
        header = nf.npy("|u1", header_shape, b"")
        body, crc = nf.deflate_stream(header, zeros)
        members = [(k + ".npy", v, zlib.crc32(v), len(v), 0) for k, v in a.items() if k != "x_train"]
        return nf.zip_raw([("x_train.npy", body, crc, len(header) + zeros, 8)] + members)
    return change


def _patch_directory(offset_in_entry, data):
    """Patches the first central-directory entry (found by its signature) of an archive."""
    def f(b):
        at = b.index(b"PK\x01\x02")
        return b[:at + offset_in_entry] + data + b[at + offset_in_entry + len(data):]
    return f


def npy_cases():
    big = 1 << 30
    return [
        _npy_case("good .npy files", None, expect="complete"),
        _npy_case("good .npz (deflated)", None, expect="complete", npz=True),
        _npy_case("int64 label Int64.max", _label(2**63 - 1), words=("y_train", "classes")),
        _npy_case("int64 label 1e9", _label(10**9), words=("y_train", "classes"), rss_mb=400),
        _npy_case("int64 label 65536", _label(65536), words=("y_train", "classes")),
        _npy_case("int64 label -1", _label(-1), words=("y_train", "label")),
        _npy_case("uint64 label 2^64-1", _label(2**64 - 1, "<u8"), words=("y_train", "uint64")),
        _npy_case("float32 labels", lambda a: dict(a, y_train=nf.labels([float(i % 4) for i in range(TRAIN)], "<f4")), words=("y_train", "integer")),
        _npy_case("one class (every label 0)", lambda a: dict(a, y_train=nf.labels([0] * TRAIN)), words=("label 0", "two classes")),
        _npy_case("one class present (every label 3)", lambda a: dict(a, y_train=nf.labels([3] * TRAIN)), words=("label 3", "two classes")),
        _npy_case("labels 255 for 256 images", lambda a: dict(a, y_train=nf.labels([1] * 255)), words=("y_train", "labels")),
        _npy_case("x_train.npy is a FIFO", lambda a: dict(a, x_train=_fifo), words=("fifo",), timeout=20),
        _npy_case("y_train.npy links to /dev/zero", lambda a: dict(a, y_train=lambda p: os.symlink("/dev/zero", p)), words=("character device",), timeout=20),
        _npy_case("x_test.npy is a symlink loop", lambda a: dict(a, x_test=lambda p: os.symlink(p, p)), words=("loop",)),
        _npy_case("x_test.npy dangling link", lambda a: dict(a, x_test=lambda p: os.symlink("/nonexistent/x", p)), words=("does not exist",)),
        _npy_case("npz member inflates 1 GiB past an 8x8 header", _bomb([TRAIN, SIDE, SIDE], big), npz=True, words=("x_train", "header"), rss_mb=400),
        _npy_case("npz 1 GiB member with an image-less shape", _bomb([big], big), npz=True, words=("x_train", "shape"), rss_mb=400),
        _npy_case("npz central directory cut", _npz_bytes(lambda b: b[:-40]), npz=True, words=("truncated",)),
        _npy_case("npz cut in half", _npz_bytes(lambda b: b[: len(b) // 2]), npz=True, words=("truncated",)),
        _npy_case("npz local offset 2^31", _npz_bytes(_patch_directory(42, struct.pack("<I", 2**31))), npz=True, words=("past the end",)),
        _npy_case("npz local offset 0xFFFFFFFF", _npz_bytes(_patch_directory(42, struct.pack("<I", 2**32 - 1))), npz=True, words=("past the end", "zip64")),
        _npy_case("npz declared size 4 GiB", _npz_bytes(_patch_directory(24, struct.pack("<I", 2**32 - 2))), npz=True, words=("x_train", "declares")),
        _npy_case("npz compression method 12", _npz_bytes(_patch_directory(10, struct.pack("<H", 12))), npz=True, words=("method",)),
        _npy_case("npz encrypted member", _npz_bytes(_patch_directory(8, struct.pack("<H", 1))), npz=True, words=("encrypted",)),
        _npy_case("npz CRC wrong", _npz_bytes(_patch_directory(16, b"\x00\x00\x00\x00")), npz=True, words=("crc",)),
        _npy_case("npz 65535 members declared", _npz_bytes(lambda b: b[:-12] + struct.pack("<H", 65535) + b[-10:]), npz=True, words=("members", "zip64")),
        _npy_case("npz without x_test", lambda a: {k: v for k, v in a.items() if k != "x_test"}, npz=True, words=("x_test",)),
        _npy_case("npz member twice", lambda a: nf.zip_raw([(k + ".npy", v, zlib.crc32(v), len(v), 0) for k, v in list(a.items()) + [("y_test", a["y_test"])]]), npz=True, words=("twice",)),
        _npy_case("npz empty archive", lambda a: nf.zip_raw([]), npz=True, words=("x_train", "holds no arrays")),
        _fifo_npz(),
    ]


def _fifo_npz():
    def build(d):
        os.mkfifo(d + "/d.npz")
        return Spec(args=tiny(d + "/d.npz", d + "/out", dataset="npy", train_limit=None, test_limit=None))
    return Case("numpy data", "npz is a FIFO", build, "refuse", ("fifo",), timeout=20)


def _folder_case(name, classes=2, per_class=8, side=SIDE, edit=None, expect="refuse", words=(), timeout=60, rss_mb=None, **over):
    """A run on a PNG folder: train/ and test/ with `classes` class folders; edit(root) changes it."""
    def build(d):
        root = d + "/folder"
        for split in ("train", "test"):
            for c in range(classes):
                folder = os.path.join(root, split, "c%d" % c)
                os.makedirs(folder)
                for i in range(per_class):
                    open(os.path.join(folder, "%03d.png" % i), "wb").write(nf.png(side, side, seed=c * 1000 + i))
        if edit:
            edit(root)
        args = tiny(root, d + "/out", **dict({"dataset": "folder", "train_limit": None, "test_limit": None, "batch_size": "8"}, **over))
        return Spec(args=args, check=_rss(rss_mb) if rss_mb else None, checkpoint=d + "/out/checkpoint.safetensors")
    return Case("png folder", name, build, expect, words, timeout=timeout)


def _put(make):
    return lambda root: make(os.path.join(root, "train", "c0", "zz.png"))


def folder_cases():
    return [
        _folder_case("good folder", expect="complete"),
        _folder_case("one class folder", classes=1, words=("label 0", "two classes")),
        _folder_case("FIFO named .png", edit=_put(os.mkfifo), words=("fifo",), timeout=20),
        _folder_case("link to /dev/zero named .png", edit=_put(lambda p: os.symlink("/dev/zero", p)), words=("character device",), timeout=20),
        _folder_case("symlink loop named .png", edit=_put(lambda p: os.symlink(p, p)), words=("loop",)),
        _folder_case("dangling link named .png", edit=_put(lambda p: os.symlink("/nonexistent/x.png", p)), words=("does not exist",)),
        _folder_case("directory named .png", edit=_put(os.mkdir), words=("zz.png",)),
        _folder_case("truncated PNG", edit=_put(lambda p: open(p, "wb").write(nf.png(SIDE, SIDE)[:40])), words=("zz.png",)),
        _folder_case("PNG declaring 100000x100000", edit=_put(lambda p: open(p, "wb").write(_huge_png())), words=("zz.png",), rss_mb=400),
        _folder_case("20 images of 1024x1024 at batch 64", classes=2, per_class=10, side=1024, words=("fewer than one step",),
                     timeout=60, batch_size="64", model="small-cnn"),
    ]


def _huge_png():
    b = nf.png(SIDE, SIDE)
    ihdr = struct.pack(">II", 100000, 100000)
    body = b[16:20 + 13]
    body = body[:0] + ihdr + b[24:29]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + body))
    return b[:16] + body + crc + b[33:]


def cases(ws):
    return npy_cases() + folder_cases()
