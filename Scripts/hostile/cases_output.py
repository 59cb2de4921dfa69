"""Output-directory cases: a directory locked by another process, another run's files without
--overwrite, leftover temporary files, paths that are empty, the root, a file, too long, not
writable, a full file system."""
import fcntl
import os
import subprocess

from .cases_checkpoint import run_files
from .fixtures import base_args, copy_base, run_quiet, tiny
from .runner import Case, Spec

NOBODY = 65534
TEMPORARIES = [".checkpoint.safetensors.tmp-4242-deadbeef", ".metrics.csv.tmp-17-1"]


def _case(name, build, expect, words=(), timeout=90):
    return Case("output directory", name, build, expect, words, timeout=timeout)


def cases(ws):
    def simple(name, output, expect="refuse", words=("--output",), prepare=None):
        def build(d):
            out = output(d) if callable(output) else output
            if prepare:
                prepare(d)
            return Spec(args=tiny(ws.fashion, out), checkpoint=(out + "/checkpoint.safetensors") if out else None)
        return _case(name, build, expect, words)

    def locked(d):
        out = d + "/out"
        os.makedirs(out)
        fd = os.open(out + "/.lars-train.lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, b"%d\n" % os.getpid())
        def release(r):
            os.close(fd)
            return None
        return Spec(args=tiny(ws.fashion, out), check=release)

    def used(overwrite):
        def build(d):
            out = copy_base(ws, "mlp", d + "/out")
            extra = {"overwrite": True} if overwrite else {}
            return Spec(args=tiny(ws.fashion, out, **extra), protect=[] if overwrite else run_files(out),
                        checkpoint=out + "/checkpoint.safetensors")
        return build

    def leftovers(resume):
        def build(d):
            out = copy_base(ws, "mlp", d + "/out") if resume else d + "/out"
            os.makedirs(out, exist_ok=True)
            for n in TEMPORARIES + ["notes.txt"]:
                open(os.path.join(out, n), "w").write("x")
            args = base_args(ws, "mlp", out, resume=out + "/checkpoint.safetensors") if resume else tiny(ws.fashion, out)
            def check(r):
                left = [n for n in TEMPORARIES if os.path.exists(os.path.join(out, n))]
                if left:
                    return "silent wrong", "temporary files left: %s" % left
                if not os.path.exists(out + "/notes.txt"):
                    return "data loss", "a user's notes.txt was removed"
                return None
            return Spec(args=args, check=check, checkpoint=out + "/checkpoint.safetensors")
        return build

    def as_nobody(name, make, words):
        def build(d):
            os.chmod(d, 0o755)
            args = make(d)
            return Spec(args=args, user=NOBODY)
        return _case(name, build, "refuse", words)

    def unreadable_data(d):
        data = ws.copy_data(d + "/data")
        os.chmod(data + "/train-labels-idx1-ubyte", 0)
        os.makedirs(d + "/out")
        os.chmod(d + "/out", 0o777)
        return tiny(data, d + "/out")

    def full_disk(d):
        mnt = d + "/full"
        os.makedirs(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40k", "tmpfs", mnt], check=True, capture_output=True)
        def check(r):
            left = [n for n in os.listdir(mnt) if ".tmp-" in n]
            subprocess.run(["umount", mnt])
            return ("silent wrong", "temporary files left on the full disk: %s" % left) if left else None
        return Spec(args=tiny(ws.fashion, mnt + "/out"), check=check)

    def root_spelled(output, cwd=None):
        """A path that resolves to /, run as nobody: a run that does not refuse the path fails
        only on permissions here, where as root it would write its files into /."""
        def build(d):
            def check(r):
                if "root" not in r.output:
                    return "silent wrong", "'%s' (cwd %s) is not refused as the root; as root the run writes into /" % (output, cwd or d)
                return None
            return Spec(args=tiny(ws.fashion, output), check=check, user=NOBODY, cwd=cwd)
        return _case("--output %r%s, run as nobody" % (output, " in /" if cwd else ""), build, "refuse", ("--output", "root", "/"))

    def resume_into_other_run(d):
        """--resume A's checkpoint with --output B, where B holds another (finished) run."""
        source = copy_base(ws, "mlp", d + "/a")
        other = d + "/b"
        run_quiet(base_args(ws, "mlp", other, seed="7", epochs="1"))
        return Spec(args=base_args(ws, "mlp", other, resume=source + "/checkpoint.safetensors"), protect=run_files(other),
                    checkpoint=other + "/checkpoint.safetensors")

    def resume_into_new_dir(d):
        source = copy_base(ws, "mlp", d + "/a")
        return Spec(args=base_args(ws, "mlp", d + "/c", resume=source + "/checkpoint.safetensors"), protect=run_files(source),
                    checkpoint=d + "/c/checkpoint.safetensors")

    return [
        _case("--resume A's checkpoint with --output holding another run B", resume_into_other_run, "refuse", ("--output", "another run")),
        _case("--resume A's checkpoint with --output a new directory", resume_into_new_dir, "complete"),
        _case("directory locked by another process", locked, "refuse", ("in use", str(os.getpid()))),
        _case("another run's files, no --overwrite", used(False), "refuse", ("--overwrite",)),
        _case("another run's files, --overwrite", used(True), "complete"),
        _case("leftover temporary files, fresh run", leftovers(False), "complete"),
        _case("leftover temporary files, --resume", leftovers(True), "complete"),
        simple("--output empty", ""),
        simple("--output /", "/"),
        simple("--output //", "//"),
        root_spelled("/."),
        root_spelled("/.."),
        root_spelled("/tmp/.."),
        root_spelled(".", cwd="/"),
        simple("--output an existing file", lambda d: d + "/file", words=("file",), prepare=lambda d: open(d + "/file", "w").close()),
        simple("--output below a file", lambda d: d + "/file/sub", words=("file",), prepare=lambda d: open(d + "/file", "w").close()),
        simple("--output /dev/full", "/dev/full", words=("/dev/full",)),
        simple("--output a dangling symlink", lambda d: d + "/dangling", expect="either", words=("dangling",),
               prepare=lambda d: os.symlink(d + "/nowhere/deeper", d + "/dangling")),
        simple("--output a symlink to a directory", lambda d: d + "/link", expect="complete",
               prepare=lambda d: (os.makedirs(d + "/real"), os.symlink(d + "/real", d + "/link"))),
        simple("--output 5000-character path", lambda d: d + "/" + "x" * 5000, words=("x" * 40, "too long")),
        simple("--output 300 nested directories", lambda d: d + "/a" * 300, expect="complete"),
        simple("--output with spaces, newline and unicode", lambda d: d + "/a b\nc ü", expect="complete"),
        as_nobody("--output not writable (run as nobody)", lambda d: tiny(ws.fashion, d + "/ro/out") if not os.makedirs(d + "/ro") else None, ("/ro",)),
        as_nobody("data file not readable (run as nobody)", unreadable_data, ("train-labels",)),
        _case("file system full (40 kB tmpfs)", full_disk, "refuse", ("full", "space", "/full/out")),
        _case("checkpoint.safetensors is a directory, --overwrite",
              lambda d: (os.makedirs(d + "/out/checkpoint.safetensors"), Spec(args=tiny(ws.fashion, d + "/out", overwrite=True)))[1],
              "either", ("checkpoint.safetensors",)),
    ]
