#!/usr/bin/env python3
"""Hostile-input campaign against a release build of lars-train and lars-study (issues #15, #24).

Runs a few hundred hostile or careless cases (bad option values, damaged data files, damaged
checkpoints for --resume, output-directory misuse, divergence, kill -9 at random moments,
concurrent runs) and classifies each outcome as ok, crash, hang, silent wrong, data loss,
unclear (refused without naming the culprit) or wrong refusal (a valid run refused). Prints a
summary table by category and writes every case to a CSV.

    swift build -c release --product lars-train && swift build -c release --product lars-study
    Scripts/hostile-campaign.py [.build/release/lars-train] [--csv hostile-campaign.csv]
        [--only WORD,...] [--kills N] [--keep] [--jobs N]

Python 3 standard library, plus numpy and safetensors to check checkpoint contents (without
them only headers are checked). Needs root for the unwritable-directory and full-disk cases
(skipped otherwise). Exit status 1 when any case is not ok.
"""
import argparse
import concurrent.futures
import csv
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hostile import (cases_checkpoint, cases_data, cases_env, cases_numpy, cases_options, cases_output, cases_runs,  # noqa: E402
                     cases_study, fixtures)
from hostile.runner import OUTCOMES, run_case  # noqa: E402

COLUMNS = ["cases", "ok", "crash", "hang", "silent wrong", "data loss", "unclear", "wrong refusal", "skipped"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("binary", nargs="?", default=".build/release/lars-train")
    ap.add_argument("--csv", default=".build/hostile-campaign.csv", help="where to write every case (default .build/hostile-campaign.csv)")
    ap.add_argument("--only", default="", help="run only cases whose category or name contains one of these comma-separated words")
    ap.add_argument("--kills", type=int, default=24, help="kill -9 injections (default 24)")
    ap.add_argument("--jobs", type=int, default=2, help="cases run side by side (default 2)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    opts = ap.parse_args()
    binary = os.path.abspath(opts.binary)
    if not os.access(binary, os.X_OK):
        sys.exit("no executable lars-train at %s (swift build -c release --product lars-train)" % binary)
    fixtures.BINARY = binary

    root = tempfile.mkdtemp(prefix="hostile-")
    os.chmod(root, 0o755)  # the cases that run as nobody read the data here
    print("work directory %s" % root, flush=True)
    ws = fixtures.Workspace(root)
    ws.binary = binary
    fixtures.base_run(ws, "mlp")
    fixtures.base_run(ws, "cnn")
    cases_runs._reference(ws)

    cases = (cases_options.cases(ws) + cases_data.cases(ws) + cases_numpy.cases(ws) + cases_checkpoint.cases(ws)
             + cases_output.cases(ws) + cases_env.cases(ws) + cases_study.cases(ws) + cases_runs.cases(ws, opts.kills))
    wanted = [w.strip().lower() for w in opts.only.split(",")]
    cases = [c for c in cases if any(w in (c.category + " " + c.name).lower() for w in wanted)]
    print("%d cases, %d side by side" % (len(cases), opts.jobs), flush=True)

    start = time.monotonic()
    results = [None] * len(cases)

    def one(i):
        d = os.path.join(root, "case-%03d" % i)
        os.makedirs(d)
        os.chmod(d, 0o755)
        try:
            return run_case(cases[i], binary, d)
        except Exception as e:  # the campaign itself failed on this case: report it, go on
            from hostile.runner import Result
            return Result(outcome="skipped", note="campaign error: %r" % e)

    # Kill and concurrency cases time themselves: run them alone, after the rest.
    timed = [i for i, c in enumerate(cases) if c.category in ("kill", "concurrency")]
    rest = [i for i in range(len(cases)) if i not in timed]
    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as pool:
        for i, r in zip(rest, pool.map(one, rest)):
            results[i] = r
            report(cases[i], r)
    for i in timed:
        results[i] = one(i)
        report(cases[i], results[i])

    os.makedirs(os.path.dirname(os.path.abspath(opts.csv)), exist_ok=True)
    write_csv(opts.csv, cases, results)
    print_table(cases, results, time.monotonic() - start)
    print("cases: %s" % opts.csv)
    if not opts.keep:
        import shutil
        shutil.rmtree(root, ignore_errors=True)
    bad = [r for r in results if r.outcome not in ("ok", "skipped")]
    return 1 if bad else 0


def report(case, r):
    mark = "  " if r.outcome == "ok" else "!!"
    print("%s %-16s %-13s %-60s %s" % (mark, case.category, r.outcome, case.name[:60], r.note[:100]), flush=True)


def write_csv(path, cases, results):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["category", "case", "expect", "outcome", "note", "exit", "signal", "seconds", "max_rss_mb", "command", "output_tail"])
        for c, r in zip(cases, results):
            w.writerow([c.category, c.name, c.expect, r.outcome, r.note, r.code, r.signal, "%.2f" % r.seconds,
                        "%.0f" % r.max_rss_mb, r.command, r.output[-600:]])


def print_table(cases, results, seconds):
    categories = []
    for c in cases:
        if c.category not in categories:
            categories.append(c.category)
    rows = []
    for cat in categories + ["total"]:
        rs = [r for c, r in zip(cases, results) if cat in ("total", c.category)]
        counts = {o: sum(r.outcome == o for r in rs) for o in OUTCOMES + ["skipped"]}
        rows.append([cat, len(rs)] + [counts[o] for o in COLUMNS[1:]])
    print("\n| category | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "---:|" * len(COLUMNS))
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    print("\n%d cases in %.0f s" % (len(results), seconds))


if __name__ == "__main__":
    sys.exit(main())
