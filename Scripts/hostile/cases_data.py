"""Damaged data files: IDX headers that lie, truncated and oversized files, gzip streams that
are corrupt or inflate far past their header, files that are not files; CIFAR-10 and
CIFAR-100 files of wrong sizes and labels. A refusal must name the file."""
import gzip
import os
import random
import struct
import zlib

from .fixtures import idx_bytes, tiny, write_records
from .runner import Case, Spec

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES = "t10k-images-idx3-ubyte"
BOMB_MB = 512


def _patch(offset, data):
    return lambda b: b[:offset] + data + b[offset + len(data):]


def _gzip_bomb(path, header, megabytes):
    """A gzip file whose stream is header followed by megabytes MiB of zeros."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    with open(path, "wb") as f:
        f.write(c.compress(header))
        for _ in range(megabytes):
            f.write(c.compress(zeros))
        f.write(c.flush())


def _idx_case(ws, name, stem, change, expect="refuse", words=None, over=None, gz=False, rss_mb=None, timeout=60):
    """A run on a copy of the Fashion-MNIST slice whose file stem is changed by change(bytes) ->
    bytes, or by change(path) when it is a callable taking a path (marked with .on_path)."""
    def build(d):
        data = ws.copy_data(d + "/data", ws.fashion_gz if gz else None)
        for one in (stem if isinstance(stem, tuple) else (stem,)):
            path = os.path.join(data, one + (".gz" if gz else ""))
            if getattr(change, "on_path", False):
                change(path)
                continue
            opener = gzip.open if gz else open
            with opener(path, "rb") as f:
                raw = f.read()
            with opener(path, "wb") as f:
                f.write(change(raw))
        check = None
        if rss_mb:
            check = lambda r: ("silent wrong", "peak RSS %.0f MB above %d MB" % (r.max_rss_mb, rss_mb)) if r.max_rss_mb > rss_mb else None
        return Spec(args=tiny(data, d + "/out", **(over or {})), check=check, checkpoint=d + "/out/checkpoint.safetensors")
    return Case("data files", name, build, expect, words or (stem if isinstance(stem, tuple) else (stem,)), timeout=timeout)


def on_path(fn):
    fn.on_path = True
    return fn


@on_path
def _truncate_gzip(path):
    raw = open(path, "rb").read()
    open(path, "wb").write(raw[: len(raw) // 2])


@on_path
def _garbage_gzip(path):
    open(path, "wb").write(b"\x1f\x8b\x08\x00" + random.Random(1).randbytes(5000))


@on_path
def _trailing_gzip(path):
    open(path, "ab").write(b"garbage after the stream")


@on_path
def _bomb(path):
    _gzip_bomb(path, struct.pack(">HBBIII", 0, 8, 3, 512, 28, 28), BOMB_MB)


@on_path
def _huge_count_gzip(path):
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">HBBIII", 0, 8, 3, 0x7FFFFFFF, 28, 28) + bytes(1000))


@on_path
def _directory(path):
    os.remove(path)
    os.mkdir(path)


@on_path
def _fifo(path):
    os.remove(path)
    os.mkfifo(path)


@on_path
def _loop(path):
    os.remove(path)
    os.symlink(os.path.basename(path), path)


@on_path
def _dev_zero(path):
    os.remove(path)
    os.symlink("/dev/zero", path)


@on_path
def _sparse(path):
    with open(path, "r+b") as f:
        f.truncate(4 << 30)


def idx_cases(ws):
    H = lambda n, r, c: struct.pack(">IIII", 0x0803, n, r, c)
    def small(side):
        def make(b):
            count = struct.unpack(">I", b[4:8])[0]
            return idx_bytes(bytes(range(256)) * (count * side * side // 256) + bytes(count * side * side % 256), [count, side, side])
        return make
    BOTH = (IMAGES, TEST_IMAGES)
    return [
        _idx_case(ws, "images truncated to half", IMAGES, lambda b: b[: len(b) // 2]),
        _idx_case(ws, "images truncated to 10 bytes", IMAGES, lambda b: b[:10]),
        _idx_case(ws, "images empty", IMAGES, lambda b: b""),
        _idx_case(ws, "images header only", IMAGES, lambda b: b[:16]),
        _idx_case(ws, "images wrong magic", IMAGES, _patch(0, b"\xff\xff")),
        _idx_case(ws, "images float type code", IMAGES, _patch(2, b"\x0d")),
        _idx_case(ws, "images zero dimensions", IMAGES, _patch(3, b"\x00")),
        _idx_case(ws, "images 255 dimensions", IMAGES, _patch(3, b"\xff")),
        _idx_case(ws, "images rows = cols = 0xFFFFFFFF", IMAGES, _patch(0, H(512, 0xFFFFFFFF, 0xFFFFFFFF))),
        _idx_case(ws, "images count 0xFFFFFFFF", IMAGES, _patch(0, H(0xFFFFFFFF, 28, 28))),
        _idx_case(ws, "images count 0", IMAGES, lambda b: H(0, 28, 28)),
        _idx_case(ws, "images rows = cols = 0", IMAGES, lambda b: H(512, 0, 0)),
        _idx_case(ws, "images 1x1, small-cnn", BOTH, small(1), over={"model": "small-cnn"}, words=("1x1", "small", "image")),
        _idx_case(ws, "images 3x3, small-cnn", BOTH, small(3), over={"model": "small-cnn"}, words=("3x3", "small", "image")),
        _idx_case(ws, "images 1x1, resnet20", BOTH, small(1), over={"model": "resnet20", "train_limit": "64", "batch_size": "32"}, words=("1x1", "small", "image")),
        _idx_case(ws, "images 1x1, mlp", BOTH, small(1), expect="either", words=("1x1", "image")),
        _idx_case(ws, "images 6x6, resnet20", BOTH, small(6), over={"model": "resnet20", "train_limit": "64", "batch_size": "32"}, expect="either", words=("6x6", "small", "image")),
        _idx_case(ws, "images 1000 trailing bytes", IMAGES, lambda b: b + bytes(1000)),
        _idx_case(ws, "labels count 500 for 512 images", LABELS, lambda b: idx_bytes(b[8:508], [500])),
        _idx_case(ws, "label value 200", LABELS, _patch(8, b"\xc8"), words=(LABELS, "label")),
        _idx_case(ws, "labels file with an images header", LABELS, lambda b: idx_bytes(b[8:], [512, 1, 1])),
        _idx_case(ws, "test images 32x32, train 28x28", TEST_IMAGES, lambda b: idx_bytes(bytes(256 * 1024), [256, 32, 32]), words=("32", "28", TEST_IMAGES)),
        _idx_case(ws, "all pixels zero (zero variance)", IMAGES, lambda b: b[:16] + bytes(len(b) - 16), expect="either", words=("variance", "deviation", IMAGES)),
        _idx_case(ws, "gzip truncated", IMAGES, _truncate_gzip, gz=True),
        _idx_case(ws, "gzip garbage after magic", IMAGES, _garbage_gzip, gz=True),
        _idx_case(ws, "gzip trailing garbage", IMAGES, _trailing_gzip, gz=True, expect="either"),
        _idx_case(ws, "gzip bomb (%d MiB of zeros)" % BOMB_MB, IMAGES, _bomb, gz=True, rss_mb=400),
        _idx_case(ws, "gzip header declares 2^31 images", IMAGES, _huge_count_gzip, gz=True, rss_mb=400),
        _idx_case(ws, "images path is a directory", IMAGES, _directory),
        _idx_case(ws, "images path is a FIFO", IMAGES, _fifo, timeout=20),
        _idx_case(ws, "images path is a symlink loop", IMAGES, _loop),
        _idx_case(ws, "images path is /dev/zero", IMAGES, _dev_zero, rss_mb=400, timeout=30),
        _idx_case(ws, "images sparse 4 GiB", IMAGES, _sparse, rss_mb=400),
    ]


def _cifar_case(ws, name, kind, change, expect="refuse", words=(), rss_mb=None):
    def build(d):
        import shutil
        source = ws.cifar10 if kind == "cifar10" else ws.cifar100
        data = d + "/data"
        shutil.copytree(source, data)
        if change:
            change(data)
        check = None
        if rss_mb:
            check = lambda r: ("silent wrong", "peak RSS %.0f MB" % r.max_rss_mb) if r.max_rss_mb > rss_mb else None
        args = tiny(data, d + "/out", dataset=kind, train_limit="128", test_limit="40", batch_size="32")
        return Spec(args=args, check=check, checkpoint=d + "/out/checkpoint.safetensors")
    return Case("data files", name, build, expect, words, timeout=90)


def cifar_cases(ws):
    rng = random.Random(3)
    def append(name, data):
        return lambda d: open(os.path.join(d, name), "ab").write(data)
    def label(name, offset, value):
        def go(d):
            with open(os.path.join(d, name), "r+b") as f:
                f.seek(offset)
                f.write(bytes([value]))
        return go
    def sparse(name, size):
        return lambda d: open(os.path.join(d, name), "r+b").truncate(size)
    def bomb(d):
        # A gzip stream under the plain name (the reader tells gzip by its magic).
        _gzip_bomb(os.path.join(d, "data_batch_1.bin"), b"", 400)
    return [
        _cifar_case(ws, "CIFAR-10 good", "cifar10", None, expect="complete"),
        _cifar_case(ws, "CIFAR-10 data_batch_3 missing", "cifar10", lambda d: os.remove(d + "/data_batch_3.bin"), words=("data_batch_3",)),
        _cifar_case(ws, "CIFAR-10 data_batch_1 5 bytes too long", "cifar10", append("data_batch_1.bin", b"12345"), words=("data_batch_1",)),
        _cifar_case(ws, "CIFAR-10 data_batch_2 empty", "cifar10", lambda d: open(d + "/data_batch_2.bin", "wb").close(), expect="either", words=("data_batch_2",)),
        _cifar_case(ws, "CIFAR-10 label 200 in test_batch", "cifar10", label("test_batch.bin", 3073 * 5, 200), words=("test_batch", "label")),
        _cifar_case(ws, "CIFAR-10 test_batch sparse 100,001 records", "cifar10", sparse("test_batch.bin", 100_001 * 3073), words=("test_batch",), rss_mb=400),
        _cifar_case(ws, "CIFAR-10 gzip bomb (400 MiB) as data_batch_1.bin", "cifar10", bomb, words=("data_batch_1",), rss_mb=700),
        _cifar_case(ws, "CIFAR-10 data_batch_4 is a directory", "cifar10", lambda d: (os.remove(d + "/data_batch_4.bin"), os.mkdir(d + "/data_batch_4.bin")), words=("data_batch_4",)),
        _cifar_case(ws, "CIFAR-100 good", "cifar100", None, expect="complete"),
        _cifar_case(ws, "CIFAR-100 fine label 150", "cifar100", label("train.bin", 3074 * 7 + 1, 150), words=("train.bin", "label")),
        _cifar_case(ws, "CIFAR-100 in CIFAR-10 record size", "cifar100", lambda d: write_records(d + "/train.bin", 200, 1, rng), words=("train.bin",)),
        _cifar_case(ws, "CIFAR-100 test.bin empty", "cifar100", lambda d: open(d + "/test.bin", "wb").close(), words=("test.bin",)),
    ] + [_coarse(ws)]


def _coarse(ws):
    c = _cifar_case(ws, "CIFAR-100 coarse label 30", "cifar100", None, words=("train.bin", "label"))
    inner = c.build
    def build(d):
        spec = inner(d)
        with open(d + "/data/train.bin", "r+b") as f:
            f.write(bytes([30]))
        spec.args = [a if a != "cifar100" else "cifar100-coarse" for a in spec.args]
        return spec
    c.build = build
    return c


def cases(ws):
    return idx_cases(ws) + cifar_cases(ws)
