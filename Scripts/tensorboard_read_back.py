"""Reads a lars-train run's and a lars-study's TensorBoard event files back with the
`tensorboard` Python package and checks them against the CSV logs (issue 23, item 3).

Usage: tensorboard_read_back.py RUN_DIR STUDY_DIR
Exit status 0 when every check holds, 1 otherwise (each failure printed).

Checked: every record's framing and masked CRC32C (TensorBoard's own crc code), the version
event first in each file; the run's scalar tags, steps and values against metrics.csv,
steps.csv and trust_ratios.csv (a tensorboard step is the number of optimizer steps done:
steps.csv's 0-based step + 1), the trust-ratio histograms; the study's HParams experiment and
session groups as TensorBoard's hparams plugin computes them, against study.csv.
"""
import csv
import decimal
import glob
import os
import struct
import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def event_files(directory):
    return sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*")))


def check_framing(directory):
    """Every record of every event file: lengths, both masked CRCs, the version event first."""
    count = 0
    files = event_files(directory)
    check(files, f"{directory}: no event file")
    for path in files:
        data = open(path, "rb").read()
        offset, first = 0, True
        while offset < len(data):
            header = data[offset : offset + 8]
            (length,) = struct.unpack("<Q", header)
            (length_crc,) = struct.unpack("<I", data[offset + 8 : offset + 12])
            payload = data[offset + 12 : offset + 12 + length]
            (data_crc,) = struct.unpack("<I", data[offset + 12 + length : offset + 16 + length])
            if not (check(length_crc == masked_crc32c(header), f"{path}@{offset}: length CRC")
                    and check(data_crc == masked_crc32c(payload), f"{path}@{offset}: data CRC")):
                break
            event = event_pb2.Event.FromString(payload)
            if first:
                check(event.file_version == "brain.Event:2", f"{path}: first event is not the file version")
                first = False
            offset += 16 + length
            count += 1
    return count


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class Comparison:
    """Scalars compared with CSV text: the tolerance is half the text's last digit plus float32
    rounding (TensorBoard stores float32)."""

    def __init__(self):
        self.count = 0
        self.max_difference = 0.0
        self.worst = ""  # the comparison nearest its tolerance
        self.worst_share = 0.0

    def compare(self, what, stored, text):
        expected = float(text)
        exponent = decimal.Decimal(text).as_tuple().exponent
        tolerance = 0.5 * 10.0**exponent + 1e-6 * abs(expected)
        difference = abs(stored - expected)
        self.count += 1
        self.max_difference = max(self.max_difference, difference)
        if difference / tolerance >= self.worst_share:
            self.worst_share = difference / tolerance
            self.worst = f"{what}: {stored} vs {text}"
        check(difference <= tolerance, f"{what}: tensorboard {stored}, csv {text} (tolerance {tolerance:g})")


def check_run(directory):
    accumulator = EventAccumulator(directory, size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    metrics = read_csv(os.path.join(directory, "metrics.csv"))
    steps = read_csv(os.path.join(directory, "steps.csv"))
    trust = read_csv(os.path.join(directory, "trust_ratios.csv"))
    check(metrics and steps and trust, f"{directory}: empty CSV logs")
    layer_columns = ["weight_norm", "grad_norm", "trust_ratio", "effective_learning_rate"]
    epoch_columns = [c for c in metrics[0] if c != "step" and any(row[c] for row in metrics)]
    parameters = sorted({row["parameter"] for row in trust})
    expected = {"epoch/" + c for c in epoch_columns} | {"step/loss", "step/learning_rate"}
    expected |= {f"{c}/{p}" for c in layer_columns for p in parameters}
    check(set(tags["scalars"]) == expected,
          f"scalar tags: extra {sorted(set(tags['scalars']) - expected)}, missing {sorted(expected - set(tags['scalars']))}")
    check(tags["histograms"] == ["trust_ratio/all_layers"], f"histogram tags {tags['histograms']}")

    comparison = Comparison()

    def by_step(tag):
        return {e.step: e.value for e in accumulator.Scalars(tag)} if tag in tags["scalars"] else {}

    for column in epoch_columns:
        series = by_step("epoch/" + column)
        rows = [row for row in metrics if row[column]]
        check(sorted(series) == [int(row["step"]) for row in rows], f"epoch/{column}: steps {sorted(series)}")
        for row in rows:
            comparison.compare(f"epoch/{column}@{row['step']}", series.get(int(row["step"]), float("nan")), row[column])
    for column in ["loss", "learning_rate"]:
        series = by_step("step/" + column)
        check(sorted(series) == [int(row["step"]) + 1 for row in steps], f"step/{column}: steps")
        for row in steps:
            comparison.compare(f"step/{column}@{row['step']}", series.get(int(row["step"]) + 1, float("nan")), row[column])
    series = {(c, p): by_step(f"{c}/{p}") for c in layer_columns for p in parameters}
    for row in trust:
        for c in layer_columns:
            value = series[(c, row["parameter"])].get(int(row["step"]) + 1, float("nan"))
            comparison.compare(f"{c}/{row['parameter']}@{row['step']}", value, row[c])

    histograms = accumulator.Histograms("trust_ratio/all_layers") if tags["histograms"] else []
    check(sorted(h.step for h in histograms) == sorted({int(r["step"]) + 1 for r in trust}), "histogram steps")
    for h in histograms:
        ratios = [float(r["trust_ratio"]) for r in trust if int(r["step"]) + 1 == h.step]
        value = h.histogram_value
        check(value.num == len(ratios) and sum(value.bucket) == len(ratios), f"histogram@{h.step}: {value.num} values")
        check(abs(value.min - min(ratios)) <= 1e-6 * abs(min(ratios)) and abs(value.max - max(ratios)) <= 1e-6 * abs(max(ratios)),
              f"histogram@{h.step}: range {value.min}..{value.max}, csv {min(ratios)}..{max(ratios)}")
    return comparison, len(histograms)


def session_groups(study):
    """The experiment and the session groups as TensorBoard's hparams dashboard gets them."""
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.hparams import api_pb2, backend_context, get_experiment, list_session_groups

    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(study)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, study)
    backend = backend_context.Context(base_plugin.TBContext(logdir=study, multiplexer=multiplexer, data_provider=provider))
    request = context.RequestContext()
    experiment = get_experiment.Handler(request, backend, "", api_pb2.GetExperimentRequest()).run()
    groups_request = api_pb2.ListSessionGroupsRequest(start_index=0, slice_size=1000, allowed_statuses=[0, 1, 2, 3])
    return experiment, list_session_groups.Handler(request, backend, "", groups_request).run().session_groups


def check_study(study):
    experiment, groups = session_groups(study)
    names = sorted(info.name for info in experiment.hparam_infos)
    check(names == ["batch_size", "learning_rate", "optimizer", "seed", "warmup_epochs"], f"experiment hparams {names}")
    metric_tags = [m.name.tag for m in experiment.metric_infos]
    check("study/final_test_accuracy" in metric_tags and "study/best_test_accuracy" in metric_tags, f"metrics {metric_tags}")
    rows = read_csv(os.path.join(study, "study.csv"))
    check(len(groups) == len(rows), f"{len(groups)} session groups, study.csv has {len(rows)} runs")
    comparison = Comparison()
    for group in groups:
        row = next((r for r in rows if os.path.relpath(r["directory"], study) == group.name), None)
        if not check(row is not None, f"session group {group.name} is no run of study.csv"):
            continue
        hparams = {key: value for key, value in group.hparams.items()}
        check(hparams["optimizer"].string_value == row["optimizer"], f"{group.name}: optimizer")
        for key, column in [("batch_size", "batch"), ("learning_rate", "learning_rate"), ("seed", "seed"), ("warmup_epochs", "warmup_epochs")]:
            comparison.compare(f"{group.name} {key}", hparams[key].number_value, row[column])
        metrics = {m.name.tag: m.value for m in group.metric_values}
        for tag, column in [("study/final_test_accuracy", "final_test_accuracy"), ("study/best_test_accuracy", "best_test_accuracy")]:
            comparison.compare(f"{group.name} {tag}", metrics.get(tag, float("nan")) * 100, row[column])
        check([s.status for s in group.sessions] == [1], f"{group.name}: status {[s.status for s in group.sessions]}")
    return comparison, len(groups)


def main():
    run, study = sys.argv[1], sys.argv[2]
    records = check_framing(run) + sum(check_framing(d) for d in [study] + glob.glob(os.path.join(study, "cells", "*")))
    run_comparison, histograms = check_run(run)
    study_comparison, groups = check_study(study)
    print(f"tensorboard read-back: {records} records with valid CRCs; run: {run_comparison.count} scalars checked "
          f"against the CSV logs (max difference {run_comparison.max_difference:.3g}; nearest its tolerance, at "
          f"{run_comparison.worst_share:.0%} of it: {run_comparison.worst}), {histograms} trust-ratio histograms; "
          f"study: {groups} session groups, {study_comparison.count} hparams and metrics checked against study.csv "
          f"(max difference {study_comparison.max_difference:.3g})")
    for failure in failures[:40]:
        print("FAIL:", failure)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
