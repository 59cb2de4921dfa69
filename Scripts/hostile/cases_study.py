"""lars-study's own surface (issue #24): output paths lars-train refuses, --extra flags that
would point cells at one directory, grids too large to list, duplicate values, stand-in
executables that exit 0 having trained nothing, and two studies into one directory."""
import os
import subprocess
import time

from .runner import Case, Result, Spec, execute, judge


def _study(binary):
    return os.path.join(os.path.dirname(binary), "lars-study")


def _tiny(ws, out):
    return ["--dataset", "fashion-mnist", "--data-dir", ws.fashion, "--train-limit", "64", "--test-limit", "50",
            "--validation", "64", "--epochs", "1", "--threads", "1", "--optimizers", "lars", "--batches", "16", "--output", out]


def _flag_case(ws, name, args, words, expect="refuse", dry=True, timeout=30, check=None):
    """lars-study with the tiny grid and args; nothing may appear in / (study.csv, cells)."""
    def build(d):
        spec = Spec(args=_tiny(ws, d + "/study") + (["--dry-run"] if dry else []) + args)
        root_before = {p: os.path.exists(p) for p in ("/study.csv", "/study.md", "/cells")}

        def custom(binary):
            r = execute(_study(binary), spec.args, timeout, cwd=d)
            r = judge(case, spec, r, {})
            if r.outcome == "ok":
                leaked = [p for p, had in root_before.items() if os.path.exists(p) and not had]
                if leaked:
                    r.outcome, r.note = "data loss", "wrote into /: %s" % leaked
                elif check:
                    extra = check(r, d)
                    if extra:
                        r.outcome, r.note = extra
            return r
        spec.custom = custom
        return spec
    case = Case("study flags", name, build, expect, words, timeout=timeout)
    return case


def _no_finish(r, d):
    """A study whose runs trained nothing must not call any of them finished."""
    if "finished:" in r.output:
        return ("silent wrong", "a run that trained nothing was called finished")
    cells = os.path.join(d, "study", "cells")
    for cell in os.listdir(cells) if os.path.isdir(cells) else []:
        if os.path.exists(os.path.join(cells, cell, "outcome.json")):
            return ("silent wrong", "%s has an outcome.json" % cell)
    return None


def _one_cell(r, d):
    return None if "cell 1/1:" in r.output and "cell 2/" not in r.output else ("silent wrong", "a duplicate value ran twice")


def _two_studies(ws):
    """Two studies into one directory at once: one runs, the other is refused naming the holder."""
    def build(d):
        out = d + "/study"

        def custom(binary):
            args = [_study(binary)] + _tiny(ws, out) + ["--epochs", "3", "--train-limit", "256"]
            first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            # The first holds its lock from the moment its cells directory exists.
            deadline = time.monotonic() + 60
            while not os.path.isdir(out + "/cells") and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            second = subprocess.run(args, capture_output=True, timeout=120)
            text = (second.stdout + second.stderr).decode("utf-8", "replace")
            first.communicate(timeout=300)
            r = Result(command=" ".join(args), code=second.returncode, output=text[-2000:])
            if first.returncode != 0:
                r.outcome, r.note = "wrong refusal", "the first study failed (%d)" % first.returncode
            elif second.returncode == 0:
                r.outcome, r.note = "data loss", "two studies ran in one directory"
            elif "in use by another study" not in text:
                r.outcome, r.note = "unclear", "refused without naming the other study"
            return r
        return Spec(custom=custom)
    return Case("concurrency", "two studies into one --output at once", build, "refuse", timeout=300)


def cases(ws):
    return [
        _flag_case(ws, "--output ''", ["--output", ""], ("--output",)),
        _flag_case(ws, "--output //", ["--output", "//"], ("root",)),
        _flag_case(ws, "--output '' (running)", ["--output", ""], ("--output",), dry=False),
        _flag_case(ws, "--extra='--output out/shared'", ["--extra=--output out/shared"], ("--extra", "--output"), dry=False),
        _flag_case(ws, "--extra='--overwrite'", ["--extra=--overwrite"], ("--overwrite",), dry=False),
        _flag_case(ws, "--extra='--resume x'", ["--extra=--resume x.safetensors"], ("--resume",)),
        _flag_case(ws, "--extra='--lr 9'", ["--extra=--lr 9"], ("--lr",)),
        _flag_case(ws, "--seeds 100000000", ["--seeds", "100000000"], ("--seeds",), timeout=20),
        _flag_case(ws, "--seeds 0", ["--seeds", "0"], ("--seeds",)),
        _flag_case(ws, "--seeds 1,-5", ["--seeds", "1,-5"], ("--seeds",)),
        _flag_case(ws, "--lr-search 2000", ["--lr-search", "2000"], ("--lr-search",), timeout=20),
        _flag_case(ws, "--lr-search 15 --rates lars=1e5", ["--lr-search", "15", "--rates", "lars=1e5"], ("learning rate",)),
        _flag_case(ws, "--rates lars=1e-300", ["--rates", "lars=1e-300"], ("learning rate", "--rates")),
        _flag_case(ws, "--rates lars=nan", ["--rates", "lars=nan"], ("rates",)),
        _flag_case(ws, "--batches 16,16 --optimizers lars,lars", ["--batches", "16,16", "--optimizers", "lars,lars"], (), expect="complete", check=_one_cell),
        _flag_case(ws, "--batches 0", ["--batches", "0"], ("batch",)),
        _flag_case(ws, "--launcher echo", ["--launcher", "echo"], (), expect="either", dry=False, check=_no_finish, timeout=60),
        _flag_case(ws, "--lars-train /bin/true", ["--lars-train", "/bin/true"], (), expect="either", dry=False, check=_no_finish, timeout=60),
        _flag_case(ws, "--lars-train /bin/false", ["--lars-train", "/bin/false"], (), expect="either", dry=False, check=_no_finish, timeout=60),
        _flag_case(ws, "--lars-train a directory", ["--lars-train", "/tmp"], ("--lars-train",)),
        _two_studies(ws),
    ]
