"""Whole runs that go wrong: divergence with every optimizer, --non-finite skip, kill -9 (and
SIGTERM, SIGINT) at random moments followed by a load of the last checkpoint and a resume that
must end bit-identical to an uninterrupted run, two or three runs started into one directory,
mpirun with a build without MPI."""
import os
import random
import shutil
import signal
import subprocess
import time

from . import checks
from . import fixtures
from .fixtures import base_args, copy_base, tiny
from .runner import Case, Result, Spec, crash_of, execute

KILL_EPOCHS = 6
# 512 images, 32 steps an epoch: long enough that a random moment falls inside an epoch or a write.
KILL_STEPS = 32
KILL_RUN = {"train_limit": "512", "epochs": str(KILL_EPOCHS), "test_limit": "256", "batch_size": "16"}


def divergence_cases(ws):
    out = []
    for model in ("small-cnn", "mlp"):
        for opt in ("lars", "lamb", "sgd", "adamw"):
            def build(d, model=model, opt=opt):
                return Spec(args=tiny(ws.fashion, d + "/out", model=model, opt=opt, lr="1e6", epochs="3"),
                            checkpoint=d + "/out/checkpoint.safetensors")
            out.append(Case("divergence", "--lr 1e6 --opt %s --model %s" % (opt, model), build, "diverge", ("diverged", "step")))
            # Without the loss bound only the per-step state checks (weights, BatchNorm statistics) stop it.
            def unbounded(d, model=model, opt=opt):
                return Spec(args=tiny(ws.fashion, d + "/out", model=model, opt=opt, lr="1e6", epochs="3", divergence_factor="0"),
                            checkpoint=d + "/out/checkpoint.safetensors")
            out.append(Case("divergence", "--lr 1e6 --divergence-factor 0 --opt %s --model %s" % (opt, model), unbounded, "diverge", ("diverged", "step")))
    def spec(over):
        return lambda d: Spec(args=tiny(ws.fashion, d + "/out", **over), checkpoint=d + "/out/checkpoint.safetensors")
    out += [
        Case("divergence", "issue #15: small-cnn -b 512 --epochs 4 --lr 1e6",
             spec({"model": "small-cnn", "train_limit": "512", "test_limit": "200", "batch_size": "512", "epochs": "4", "lr": "1e6"}),
             "diverge", ("diverged", "step"), timeout=180),
        Case("divergence", "--non-finite skip --opt sgd --lr 1000", spec({"opt": "sgd", "lr": "1000", "non_finite": "skip", "epochs": "3"}),
             "diverge", ("skip", "diverged", "step")),
        Case("divergence", "--non-finite skip --opt sgd --lr 1000 small-cnn",
             spec({"model": "small-cnn", "opt": "sgd", "lr": "1000", "non_finite": "skip", "epochs": "3"}), "diverge", ("skip", "diverged", "step")),
        Case("divergence", "--non-finite skip --opt adamw --lr 1e6", spec({"opt": "adamw", "lr": "1e6", "non_finite": "skip", "epochs": "3"}),
             "diverge", ("skip", "diverged", "step")),
        Case("divergence", "--non-finite skip --divergence-factor 0 --opt sgd --lr 1000",
             spec({"opt": "sgd", "lr": "1000", "non_finite": "skip", "divergence_factor": "0", "epochs": "3"}), "diverge", ("skip", "diverged", "step")),
        Case("divergence", "--non-finite skip --divergence-factor 0 --opt sgd --lr 1000 small-cnn",
             spec({"model": "small-cnn", "opt": "sgd", "lr": "1000", "non_finite": "skip", "divergence_factor": "0", "epochs": "3"}),
             "diverge", ("skip", "diverged", "step")),
        Case("divergence", "--non-finite skip --divergence-factor 0 --opt lamb --lr 1e6 small-cnn",
             spec({"model": "small-cnn", "opt": "lamb", "lr": "1e6", "non_finite": "skip", "divergence_factor": "0", "epochs": "3"}),
             "diverge", ("skip", "diverged", "step")),
    ]
    return out


def _reference(ws):
    """The final checkpoint of an uninterrupted kill-run, made once; records when its training
    starts and ends (seconds after the start) so kills land in the training."""
    out = os.path.join(ws.root, "kill-reference")
    ck = out + "/checkpoint.safetensors"
    if not os.path.exists(ck):
        start = time.monotonic()
        p = subprocess.Popen([ws.binary] + tiny(ws.fashion, out, **KILL_RUN), stdout=subprocess.PIPE, text=True)
        ws.kill_window = [0.0, 0.0]
        for line in p.stdout:
            if line.startswith("training "):
                ws.kill_window[0] = time.monotonic() - start
        if p.wait() != 0:
            raise RuntimeError("the reference run failed")
        ws.kill_window[1] = time.monotonic() - start
    return ck


def _same(a, b):
    ta, _ = checks.load_tensors(a)
    tb, _ = checks.load_tensors(b)
    if ta.keys() != tb.keys():
        return "tensor names differ"
    import numpy as np
    for k in ta:
        if not np.array_equal(ta[k], tb[k]):
            return "%s differs from the uninterrupted run" % k
    return None


def kill_case(ws, index, sig):
    def build(d):
        reference = _reference(ws)
        low, high = ws.kill_window
        moment = random.Random(index).uniform(low * 0.9, high)
        out = d + "/out"
        ck = out + "/checkpoint.safetensors"
        args = tiny(ws.fashion, out, **KILL_RUN)

        def custom(binary):
            p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
            time.sleep(moment)
            p.send_signal(sig)
            text = p.communicate(timeout=60)[0].decode("utf-8", "replace")
            r = Result(command="%s  # %s after %.2f s" % (" ".join([binary] + args), signal.Signals(sig).name, moment), output=text,
                       code=p.returncode if p.returncode >= 0 else None, signal=-p.returncode if p.returncode < 0 else None)
            if r.code in (132, 134, 139) or (sig != signal.SIGKILL and p.returncode in (-4, -6, -11)):
                r.outcome, r.note = "crash", "exit %s" % p.returncode
                return r
            for name in ("metrics.csv", "steps.csv", "trust_ratios.csv"):
                if os.path.exists(os.path.join(out, name)):
                    bad = checks.csv_problem(os.path.join(out, name))
                    if bad:
                        r.outcome, r.note = "data loss", "after the signal: " + bad
                        return r
            had = os.path.exists(ck)
            epoch_then = checks.checkpoint_epoch(ck) if had else None
            if had:
                bad = checks.checkpoint_problem(ck)
                if bad:
                    r.outcome, r.note = "data loss", "checkpoint after the signal: " + bad
                    return r
            if had and checks.checkpoint_epoch(ck) == KILL_EPOCHS:
                r.note = "at %.2f s; the run had finished its last checkpoint" % moment
                diff = _same(ck, reference)
                if diff:
                    r.outcome, r.note = "silent wrong", diff
                return r
            if had:
                again = execute(binary, tiny(ws.fashion, out, resume=ck, **KILL_RUN), 120)
            else:
                again = execute(binary, tiny(ws.fashion, out, overwrite=True, **KILL_RUN), 120)
            r.output += "\n--- %s ---\n%s" % ("resume" if had else "rerun with --overwrite", again.output[-1500:])
            r.note = "at %.2f s; checkpoint at epoch %s; then %s" % (moment, epoch_then if had else "none", "resumed" if had else "rerun")
            problem = crash_of(again) or (again.outcome if again.outcome == "hang" else None)
            if problem:
                r.outcome, r.note = ("hang" if again.outcome == "hang" else "crash"), "the resume: " + problem
            elif again.code != 0:
                r.outcome, r.note = "wrong refusal", "the resume exited %s" % again.code
            else:
                diff = _same(ck, reference) or checks.log_sequence_problem(out, KILL_EPOCHS, KILL_STEPS)
                if diff:
                    r.outcome, r.note = "silent wrong", "after resume: " + diff
            return r
        return Spec(custom=custom)
    return Case("kill", "%s #%d" % (signal.Signals(sig).name, index), build, "complete", timeout=180)


def concurrency_cases(ws):
    def together(n, resume):
        def build(d):
            out = copy_base(ws, "mlp", d + "/out") if resume else d + "/out"
            if resume:
                args = base_args(ws, "mlp", out, resume=out + "/checkpoint.safetensors")
                epochs = int(fixtures.BASE_EPOCHS)
            else:
                args = tiny(ws.fashion, out, epochs="2")
                epochs = 2

            def custom(binary):
                runs = [subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(n)]
                texts = [p.communicate(timeout=180)[0].decode("utf-8", "replace") for p in runs]
                codes = [p.returncode for p in runs]
                r = Result(command="%d x (%s) at once" % (n, " ".join([binary] + args)), code=max(codes),
                           output="\n".join("--- run %d, exit %d ---\n%s" % (i, c, t[-800:]) for i, (c, t) in enumerate(zip(codes, texts))))
                if any(c < 0 or c in (132, 134, 139) for c in codes):
                    r.outcome, r.note = "crash", "exits %s" % codes
                elif codes.count(0) != 1:
                    r.outcome, r.note = "silent wrong", "%d runs exited 0 (exits %s)" % (codes.count(0), codes)
                elif not all(("in use" in t or "another run" in t) for c, t in zip(codes, texts) if c != 0):
                    r.outcome, r.note = "unclear", "a refused run did not say why"
                else:
                    bad = checks.csv_problem(out + "/metrics.csv") or checks.checkpoint_problem(out + "/checkpoint.safetensors")
                    lines = len(open(out + "/metrics.csv").read().splitlines())
                    if bad or lines != 1 + epochs:
                        r.outcome, r.note = "data loss", bad or "metrics.csv has %d lines" % lines
                return r
            return Spec(custom=custom)
        return build
    def mpi_env(d):
        return Spec(args=tiny(ws.fashion, d + "/out"), env={"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"})
    def mpirun(d):
        if not shutil.which("mpirun"):
            raise RuntimeError("no mpirun")
        def custom(binary):
            args = ["-np", "2", "--oversubscribe", "--allow-run-as-root", binary] + tiny(ws.fashion, d + "/out")
            r = execute("mpirun", args, 90)
            r.command = "mpirun " + " ".join(args)
            if r.outcome == "hang":
                return r
            if r.code == 0:
                r.outcome, r.note = "silent wrong", "exit 0 under mpirun without MPI"
            elif "MPI" not in r.output:
                r.outcome, r.note = "unclear", "refused without naming MPI"
            return r
        return Spec(custom=custom)
    def resume_while_written(d):
        """Run A trains into X; as soon as X holds a checkpoint, B resumes it into Y while A goes
        on rewriting it. B must finish bit-identical to an uninterrupted run."""
        reference = _reference(ws)
        x, y = d + "/x", d + "/y"

        def custom(binary):
            a = subprocess.Popen([binary] + tiny(ws.fashion, x, **KILL_RUN), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            while a.poll() is None and not os.path.exists(x + "/checkpoint.safetensors"):
                time.sleep(0.002)
            r = execute(binary, tiny(ws.fashion, y, resume=x + "/checkpoint.safetensors", **KILL_RUN), 120)
            a.wait(120)
            if r.outcome == "hang" or crash_of(r):
                r.outcome, r.note = ("hang", "") if r.outcome == "hang" else ("crash", crash_of(r))
            elif a.returncode != 0:
                r.outcome, r.note = "wrong refusal", "run A exited %d" % a.returncode
            elif r.code != 0:
                r.outcome, r.note = "wrong refusal", "the resume exited %d" % r.code
            else:
                diff = _same(y + "/checkpoint.safetensors", reference) or _same(x + "/checkpoint.safetensors", reference)
                if diff:
                    r.outcome, r.note = "silent wrong", diff
            return r
        return Spec(custom=custom)

    return [
        Case("concurrency", "resume a checkpoint into another directory while its run rewrites it", resume_while_written, "complete", timeout=180),
        Case("concurrency", "two fresh runs into one directory", together(2, False), "refuse", timeout=180),
        Case("concurrency", "three fresh runs into one directory", together(3, False), "refuse", timeout=180),
        Case("concurrency", "two resumes of one checkpoint at once", together(2, True), "refuse", timeout=180),
        Case("concurrency", "OMPI_COMM_WORLD_SIZE=2 without MPI", mpi_env, "refuse", ("MPI",)),
        Case("concurrency", "mpirun -np 2 with a build without MPI", mpirun, "refuse", ("MPI",), timeout=90),
    ]


def finished_case(ws):
    """Resuming a run that has finished all its epochs."""
    def build(d):
        shutil.copytree(os.path.dirname(_reference(ws)), d + "/out", ignore=shutil.ignore_patterns(".lars-train.lock"))
        ck = d + "/out/checkpoint.safetensors"
        return Spec(args=tiny(ws.fashion, d + "/out", resume=ck, **KILL_RUN), checkpoint=ck)
    return Case("checkpoints", "--resume a run that finished its last epoch", build, "either", ("epoch",))


def cases(ws, kills):
    sigs = [signal.SIGKILL] * kills + [signal.SIGTERM, signal.SIGINT]
    return [finished_case(ws)] + divergence_cases(ws) + [kill_case(ws, i, s) for i, s in enumerate(sigs)] + concurrency_cases(ws)
