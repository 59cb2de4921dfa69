"""Runs one hostile case against lars-train and classifies what happened.

A case builds its command inside a fresh directory, runs it with a timeout, and is judged
against its expectation:

- ``refuse``: a non-zero exit whose output names one of the case's words (the option, file or
  tensor at fault);
- ``complete``: exit 0 with finite results (output, metrics.csv, checkpoint);
- ``diverge``: either a non-zero exit naming the step/tensor, or exit 0 with finite results; a
  checkpoint left behind must be finite;
- ``either``: refusal with a message or a finite completion, nothing else.

Outcomes: ok, crash, hang, silent wrong, data loss, and two milder ones that are reported but
are neither crashes nor wrong results: ``unclear`` (refused, but the message does not name the
culprit) and ``wrong refusal`` (a valid run refused).
"""
import hashlib
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from . import checks

OUTCOMES = ["ok", "crash", "hang", "silent wrong", "data loss", "unclear", "wrong refusal"]
CRASH_CODES = {132, 133, 134, 135, 136, 137, 139}
CRASH_TEXT = re.compile(r"Fatal error|precondition failed|Illegal instruction|Segmentation fault|Stack dump|Current stack trace")


@dataclass
class Spec:
    """What a case runs: the arguments after the binary, files that must survive unchanged,
    extra environment, an extra check of the result, or a custom runner doing all of it."""
    args: list = field(default_factory=list)
    protect: list = field(default_factory=list)
    env: Optional[dict] = None
    check: Optional[Callable] = None          # check(result) -> None or (outcome, note)
    checkpoint: Optional[str] = None          # a checkpoint that must be finite after the run
    custom: Optional[Callable] = None         # custom(binary) -> Result
    user: Optional[int] = None                # run as this uid/gid (unwritable directories)
    cwd: Optional[str] = None                 # working directory (default: the case's)


@dataclass
class Case:
    category: str
    name: str
    build: Callable        # build(case_dir) -> Spec
    expect: str            # refuse | complete | diverge | either
    words: tuple = ()      # a refusal must name one of these (case-insensitive)
    timeout: float = 60.0


@dataclass
class Result:
    outcome: str = "ok"
    note: str = ""
    command: str = ""
    code: Optional[int] = None
    signal: Optional[int] = None
    seconds: float = 0.0
    max_rss_mb: float = 0.0
    output: str = ""


def file_hashes(paths):
    hashes = {}
    for p in paths:
        try:
            with open(p, "rb") as f:
                hashes[p] = hashlib.sha256(f.read()).hexdigest()
        except OSError as e:
            hashes[p] = "unreadable: %s" % e
    return hashes


def execute(binary, args, timeout, env=None, cwd=None, user=None):
    """Runs binary with args; returns a Result with the code, signal, time, peak RSS and output.
    A run past `timeout` is killed (its whole process group) and reported with code None."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    preexec = None
    if user is not None:
        def preexec():
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
    start = time.monotonic()
    p = subprocess.Popen([binary] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL, env=full_env, cwd=cwd, start_new_session=True,
                         preexec_fn=preexec)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stdout.read()), daemon=True)
    reader.start()
    r = Result(command=" ".join(shlex_quote(a) for a in [binary] + args))
    status = None
    peak_kb = 0
    while True:
        # ru_maxrss of a forked child counts the parent's pages at the fork: sample the
        # child's own high-water mark instead while it runs.
        peak_kb = max(peak_kb, _high_water_kb(p.pid))
        pid, st, _ = os.wait4(p.pid, os.WNOHANG)
        if pid:
            status = st
            break
        if time.monotonic() - start > timeout:
            os.killpg(p.pid, signal.SIGKILL)
            os.wait4(p.pid, 0)
            break
        time.sleep(0.005)
    p.returncode = -1  # reaped here; keep Popen from waiting again
    r.seconds = time.monotonic() - start
    r.max_rss_mb = peak_kb / 1024.0
    reader.join(5)
    r.output = (chunks[0] if chunks else b"").decode("utf-8", "replace")
    if status is None:
        r.outcome, r.note = "hang", "killed after %.0f s" % timeout
    elif os.WIFSIGNALED(status):
        r.signal = os.WTERMSIG(status)
    else:
        r.code = os.WEXITSTATUS(status)
    return r


def _high_water_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def shlex_quote(s):
    import shlex
    return shlex.quote(str(s))


def crash_of(r):
    if r.signal is not None:
        return "killed by signal %d" % r.signal
    if r.code in CRASH_CODES:
        return "exit %d (trap)" % r.code
    m = CRASH_TEXT.search(r.output)
    if m:
        return "trap text '%s'" % m.group(0)
    return None


def judge(case, spec, r, before):
    """Sets r.outcome and r.note from the case's expectation."""
    if r.outcome == "hang":
        return r
    crash = crash_of(r)
    if crash:
        r.outcome, r.note = "crash", crash
        return r
    after = file_hashes(before.keys())
    changed = [p for p in before if before[p] != after[p]]
    if changed:
        r.outcome, r.note = "data loss", "changed or unreadable: " + ", ".join(os.path.basename(p) for p in changed)
        return r
    text = r.output.lower()
    named = not case.words or any(w.lower() in text for w in case.words)
    finite = checks.finite_results(r.output, spec)
    if case.expect == "refuse":
        if r.code == 0:
            r.outcome, r.note = "silent wrong", "exit 0 where a refusal was expected"
        elif not named:
            r.outcome, r.note = "unclear", "refused without naming any of %s" % (list(case.words),)
    elif case.expect == "complete":
        if r.code != 0:
            r.outcome, r.note = "wrong refusal", "exit %s" % r.code
        elif finite:
            r.outcome, r.note = "silent wrong", finite
    elif case.expect in ("diverge", "either"):
        if r.code == 0 and finite:
            r.outcome, r.note = "silent wrong", finite
        elif r.code != 0:
            bad = None
            if case.expect == "diverge" and spec.checkpoint:
                for p in (spec.checkpoint, os.path.join(os.path.dirname(spec.checkpoint), "best.safetensors")):
                    if os.path.exists(p):
                        bad = bad or checks.checkpoint_problem(p)
            if bad:
                r.outcome, r.note = "silent wrong", "checkpoint left unsound: " + bad
            elif not named:
                r.outcome, r.note = "unclear", "exit %s without naming any of %s" % (r.code, list(case.words))
    if r.outcome == "ok" and spec.check:
        extra = spec.check(r)
        if extra:
            r.outcome, r.note = extra
    return r


def run_case(case, binary, case_dir):
    os.makedirs(case_dir, exist_ok=True)
    try:
        spec = case.build(case_dir)
    except Exception as e:  # a fixture that cannot be built on this machine
        return Result(outcome="skipped", note="setup: %s" % e)
    if spec.custom:
        return spec.custom(binary)
    before = file_hashes(spec.protect)
    r = execute(binary, spec.args, case.timeout, env=spec.env, cwd=spec.cwd or case_dir, user=spec.user)
    return judge(case, spec, r, before)
