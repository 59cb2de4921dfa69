"""The campaign's fixtures: small data sets (a slice of Fashion-MNIST as plain and gzip IDX
files, or synthetic images when it is not installed; synthetic CIFAR-10 and CIFAR-100 files),
the command line of a tiny run, and good checkpoints to damage."""
import gzip
import os
import random
import shutil
import struct

FASHION = "/usr/share/datasets/fashion-mnist"
TRAIN, TEST = 512, 256
STEMS = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def idx_bytes(values, dims):
    """An IDX file of unsigned bytes with dimension sizes dims."""
    return struct.pack(">HBB", 0, 0x08, len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(values)


def _slice(stem, count):
    path = os.path.join(FASHION, stem + ".gz")
    if os.path.exists(path):
        with gzip.open(path, "rb") as f:
            head = f.read(4)
            ndim = head[3]
            dims = list(struct.unpack(">" + "I" * ndim, f.read(4 * ndim)))
            per = 1
            for d in dims[1:]:
                per *= d
            return idx_bytes(f.read(count * per), [count] + dims[1:])
    rng = random.Random(stem)
    if "labels" in stem:
        return idx_bytes([rng.randrange(10) for _ in range(count)], [count])
    return idx_bytes([rng.randrange(256) for _ in range(count * 784)], [count, 28, 28])


class Workspace:
    """Directories and files shared by all cases, under root."""

    def __init__(self, root):
        self.root = root
        self.fashion = os.path.join(root, "fashion")        # plain IDX files
        self.fashion_gz = os.path.join(root, "fashion-gz")  # the same, gzip
        self.cifar10 = os.path.join(root, "cifar10")
        self.cifar100 = os.path.join(root, "cifar100")
        os.makedirs(self.fashion)
        os.makedirs(self.fashion_gz)
        for stem in STEMS:
            data = _slice(stem, TRAIN if stem.startswith("train") else TEST)
            with open(os.path.join(self.fashion, stem), "wb") as f:
                f.write(data)
            with gzip.open(os.path.join(self.fashion_gz, stem + ".gz"), "wb") as f:
                f.write(data)
        rng = random.Random(10)
        os.makedirs(self.cifar10)
        for name in ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]:
            write_records(os.path.join(self.cifar10, name), 40, 1, rng)
        os.makedirs(self.cifar100)
        write_records(os.path.join(self.cifar100, "train.bin"), 200, 2, rng)
        write_records(os.path.join(self.cifar100, "test.bin"), 80, 2, rng)

    def copy_data(self, dest, source=None):
        shutil.copytree(source or self.fashion, dest)
        return dest


def write_records(path, count, label_bytes, rng, label=None):
    """count CIFAR records: label byte(s) (coarse < 20, fine/CIFAR-10 < 10) then 3,072 pixels."""
    with open(path, "wb") as f:
        for _ in range(count):
            labels = [rng.randrange(20 if label_bytes == 2 and i == 0 else 10) for i in range(label_bytes)]
            if label is not None:
                labels = [label] * label_bytes
            f.write(bytes(labels) + rng.randbytes(3072))


def tiny(data, out, **over):
    """Arguments of a tiny run: 256 training and 128 test images, batch 64 (4 steps), one epoch,
    the MLP, one thread. over replaces or adds options (key: flag without dashes, '_' for '-';
    value None drops the option)."""
    opts = {"data-dir": data, "train-limit": "256", "test-limit": "128", "batch-size": "64",
            "epochs": "1", "model": "mlp", "threads": "1", "output": out}
    for k, v in over.items():
        opts[k.replace("_", "-")] = v
    args = []
    for k, v in opts.items():
        if v is None:
            continue
        args.append("--" + k)
        if v is not True:
            args.append(str(v))
    return args


BINARY = None  # set by the campaign before cases are built


def run_quiet(args, cwd=None):
    import subprocess
    p = subprocess.run([BINARY] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd, timeout=300)
    if p.returncode != 0:
        raise RuntimeError("base run failed (%d): %s" % (p.returncode, p.stdout.decode()[-2000:]))
    return p.stdout.decode()


BASE_EPOCHS = "4"
BASES = {
    "mlp": {"epochs": BASE_EPOCHS, "train_limit": "512"},
    "cnn": {"model": "small-cnn", "train_limit": "256", "test_limit": "64", "epochs": BASE_EPOCHS},
}


def base_args(ws, kind, out, data=None, **over):
    opts = dict(BASES[kind])
    opts.update(over)
    return tiny(data or ws.fashion, out, **opts)


def base_run(ws, kind):
    """The directory of a run of kind (mlp or cnn) stopped (kill -9) after its first checkpoint
    and before its last epoch, made once: a checkpoint that a resume continues for real (a
    resume must keep --epochs, which shapes the schedule)."""
    import signal
    import subprocess
    import time
    out = os.path.join(ws.root, "base-" + kind)
    ck = os.path.join(out, "checkpoint.safetensors")
    for attempt in range(5):
        if os.path.exists(ck):
            return out
        shutil.rmtree(out, ignore_errors=True)
        p = subprocess.Popen([BINARY] + base_args(ws, kind, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = os.path.join(out, "best.safetensors")
        while p.poll() is None and not (os.path.exists(ck) and os.path.exists(best)):
            time.sleep(0.005)
        p.send_signal(signal.SIGKILL)
        p.wait()
        from .checks import checkpoint_epoch
        if os.path.exists(ck) and not 1 <= (checkpoint_epoch(ck) or 0) < int(BASE_EPOCHS):
            os.remove(ck)
    raise RuntimeError("could not stop a base run between epochs")


def copy_base(ws, kind, dest):
    shutil.copytree(base_run(ws, kind), dest, ignore=shutil.ignore_patterns(".lars-train.lock", "*.tmp-*"))
    return dest
