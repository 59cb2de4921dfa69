"""The process's surroundings: hostile environment variables for OpenBLAS and OpenMP, a
standard output that is closed, full, or a pipe whose reader goes away early."""
import os
import signal
import subprocess

from . import checks
from .fixtures import tiny
from .runner import Case, Result, Spec

ENV = [
    {"OPENBLAS_NUM_THREADS": "0"},
    {"OPENBLAS_NUM_THREADS": "-5"},
    {"OPENBLAS_NUM_THREADS": "100000"},
    {"OMP_NUM_THREADS": "abc"},
    {"OPENBLAS_CORETYPE": "NoSuchCore"},
    {"HOME": "/nonexistent", "TMPDIR": "/nonexistent"},
    {"LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8"},
]


def _env_case(ws, env):
    def build(d):
        return Spec(args=tiny(ws.fashion, d + "/out"), env=env, checkpoint=d + "/out/checkpoint.safetensors")
    name = " ".join("%s=%s" % kv for kv in env.items())
    return Case("environment", name, build, "either", tuple(env.keys()))


def _stdout_case(ws, name, how):
    """Runs with standard output redirected by how ('closed', 'full', 'pipe closed early'); the
    run may end (SIGPIPE on a closed pipe is the ordinary Unix ending) but whatever checkpoint
    it leaves must load and be sound."""
    def build(d):
        out = d + "/out"
        args = tiny(ws.fashion, out, epochs="3")

        def custom(binary):
            if how == "pipe closed early":
                command = "%s %s | head -c 1 > /dev/null" % (binary, " ".join("'%s'" % a for a in args))
                p = subprocess.run(["bash", "-c", "set -o pipefail; " + command], capture_output=True, timeout=120)
            else:
                target = {"closed": "1>&-", "full": "> /dev/full"}[how]
                command = "%s %s %s" % (binary, " ".join("'%s'" % a for a in args), target)
                p = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
            r = Result(command=command, code=p.returncode, output=p.stderr.decode("utf-8", "replace")[-2000:])
            if p.returncode in (132, 134, 139) or "Fatal error" in r.output:
                r.outcome, r.note = "crash", "exit %d" % p.returncode
                return r
            ck = out + "/checkpoint.safetensors"
            if os.path.exists(ck):
                bad = checks.checkpoint_problem(ck)
                if bad:
                    r.outcome, r.note = "data loss", bad
                    return r
            r.note = "exit %d, checkpoint %s" % (p.returncode, "epoch %s" % checks.checkpoint_epoch(ck) if os.path.exists(ck) else "none")
            return r
        return Spec(custom=custom)
    return Case("environment", "standard output " + how, build, "either")


def cases(ws):
    return [_env_case(ws, e) for e in ENV] + [_stdout_case(ws, "", h) for h in ("closed", "full", "pipe closed early")]
