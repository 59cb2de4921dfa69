#!/usr/bin/env python3
"""Training-step throughput of swift-lars against PyTorch on the CPU, measured interleaved.

Runs the same two models and batches as `lars-bench --filter engine-train` (the small CNN on
1x28x28 images at batch 256 and ResNet-20 on 3x32x32 images at batch 128, 10 classes; random
data; zero gradients, forward, softmax cross-entropy, backward, optimizer step) in PyTorch, in
NCHW and in channels_last, alternating with lars-bench runs, and prints the median images/s of
each and the ratios of swift-lars's rows to PyTorch's.

PyTorch is optional for the repository: run this with a Python that has it
(`python3 -m venv venv && venv/bin/pip install torch`), after `swift build -c release`:

    venv/bin/python Scripts/compare-pytorch.py --rounds 3 --threads 2

PyTorch steps with SGD (momentum 0.9, weight decay 5e-4); lars-bench steps with LARS, which
costs a few more vector passes over the 0.27M-0.42M parameters (well under 1% of a step).

With --end-to-end it compares whole runs instead: `lars-train`'s default recipe against its
PyTorch twin (Scripts/pytorch_twin.py, NCHW and channels_last), interleaved round by round, and
prints each one's epoch images/s and its training time to --target test accuracy:

    venv/bin/python Scripts/compare-pytorch.py --end-to-end --rounds 1 --threads 2 --epochs 8
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from pytorch_twin import small_cnn

def resnet20(nn):
    """Models.resNet(depth: 20): stem conv3x3 3->16 + BN + ReLU, three stages of three basic
    blocks (16, 32, 64 channels; the first block of stages 2 and 3 has stride 2 and a 1x1
    projection + BN shortcut), global average pooling, dense 64->10. Convolutions have no bias."""

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = None
            if cin != cout or stride != 1:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            y = self.relu(self.bn1(self.conv1(x)))
            y = self.bn2(self.conv2(y))
            return self.relu(y + (x if self.shortcut is None else self.shortcut(x)))

    layers = [nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, width in enumerate([16, 32, 64]):
        for block in range(3):
            layers.append(Block(cin, width, 2 if block == 0 and stage > 0 else 1))
            cin = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


MODELS = {
    # lars-bench's model name: (builder, image shape, batch)
    "smallcnn": (small_cnn, (1, 28, 28), 256),
    "resnet20": (resnet20, (3, 32, 32), 128),
}


def torch_images_per_second(torch, name, channels_last, steps):
    """Median images/s of `steps` timed training steps after two warm-up steps."""
    build, shape, batch = MODELS[name]
    torch.manual_seed(0)
    model = build(torch.nn)
    images = torch.randn(batch, *shape)
    labels = torch.randint(0, 10, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for step in range(steps + 2):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        if step >= 2:
            times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def lars_bench_rows(executable, threads):
    """lars-bench's engine-train rows: {(model, backend label): images/s}."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "rows.csv")
        subprocess.run(
            [executable, "--filter", "engine-train", "--threads", str(threads), "--quiet", "--csv", path],
            check=True, stdout=subprocess.DEVNULL)
        rows = {}
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["group"] == "engine-train" and row["rate"]:
                    rows[(row["name"].split()[0], row["backend"])] = float(row["rate"])
        return rows


def end_to_end_runs(args, directory):
    """One round of whole runs: {label: [per-epoch dicts]} for lars-train and both twins."""
    limits = []
    if args.train_limit:
        limits += ["--train-limit", str(args.train_limit)]
    if args.test_limit:
        limits += ["--test-limit", str(args.test_limit)]
    runs = {}
    output = os.path.join(directory, "lars-train")
    subprocess.run(
        [args.lars_train, "--epochs", str(args.epochs), "--threads", str(args.threads), "--output", output,
         "--overwrite"] + limits, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(output, "metrics.csv")) as f:
        rows, elapsed = [], 0.0
        for row in csv.DictReader(f):
            elapsed += float(row["epoch_seconds"])
            rows.append({"epoch": int(row["epoch"]), "seconds": float(row["epoch_seconds"]),
                         "images_per_second": float(row["images_per_second"]),
                         "test_accuracy": float(row["test_accuracy"] or "nan"), "training_seconds": elapsed})
        runs["swift-lars lars-train"] = rows
    twin = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pytorch_twin.py")
    for channels_last in (True, False):
        path = os.path.join(directory, "twin.json")
        subprocess.run(
            [sys.executable, twin, "--epochs", str(args.epochs), "--threads", str(args.threads), "--json", path]
            + limits + (["--channels-last"] if channels_last else []), check=True, stdout=subprocess.DEVNULL)
        with open(path) as f:
            runs["pytorch " + ("channels_last" if channels_last else "NCHW")] = json.load(f)
    return runs


def end_to_end(args):
    """Prints the end-to-end table: median epoch images/s, training time, time to the target."""
    results = {}
    for round_index in range(args.rounds):
        with tempfile.TemporaryDirectory() as directory:
            for label, rows in end_to_end_runs(args, directory).items():
                results.setdefault(label, []).append(rows)
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)
    print(f"{args.threads} threads, {args.rounds} interleaved round(s), {args.epochs} epochs; "
          f"time to {100 * args.target:.1f} % test accuracy counts training seconds only")
    print(f"  {'run':<24} {'images/s (epochs)':>22} {'training s':>11} {'final acc':>10} {'s to target':>12}")
    for label, rounds in results.items():
        for rows in rounds:
            rates = [r["images_per_second"] for r in rows]
            reached = next((r["training_seconds"] for r in rows if r["test_accuracy"] >= args.target), None)
            print(f"  {label:<24} {min(rates):>10.0f}-{max(rates):<11.0f} {rows[-1]['training_seconds']:>11.1f} "
                  f"{100 * rows[-1]['test_accuracy']:>9.2f}% {('%.1f' % reached) if reached else 'not reached':>12}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians are taken over them)")
    parser.add_argument("--threads", type=int, default=2, help="threads of both frameworks")
    parser.add_argument("--steps", type=int, default=5, help="timed PyTorch steps per model and round")
    parser.add_argument("--lars-bench", default=".build/release/lars-bench", help="the lars-bench executable")
    parser.add_argument("--end-to-end", action="store_true", help="whole lars-train runs against the PyTorch twin")
    parser.add_argument("--lars-train", default=".build/release/lars-train", help="the lars-train executable")
    parser.add_argument("--epochs", type=int, default=8, help="epochs of each end-to-end run")
    parser.add_argument("--train-limit", type=int, help="end-to-end runs on the first N training images")
    parser.add_argument("--test-limit", type=int, help="end-to-end runs evaluate the first N test images")
    parser.add_argument("--target", type=float, default=0.90, help="test accuracy the end-to-end runs are timed to")
    args = parser.parse_args()
    if args.end_to_end:
        if not os.access(args.lars_train, os.X_OK):
            sys.exit(f"{args.lars_train} not found: build it with `swift build -c release --product lars-train`")
        end_to_end(args)
        return
    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is not installed in this Python (pip install torch); nothing to compare")
    torch.set_num_threads(args.threads)
    if not os.access(args.lars_bench, os.X_OK):
        sys.exit(f"{args.lars_bench} not found: build it with `swift build -c release --product lars-bench`")

    results = {}  # (model, label) -> [images/s per round]
    for round_index in range(args.rounds):
        for name in MODELS:
            for channels_last in (False, True):
                label = "pytorch " + ("channels_last" if channels_last else "NCHW")
                rate = torch_images_per_second(torch, name, channels_last, args.steps)
                results.setdefault((name, label), []).append(rate)
        for key, rate in lars_bench_rows(args.lars_bench, args.threads).items():
            results.setdefault(key, []).append(rate)
        print(f"round {round_index + 1}/{args.rounds} done", file=sys.stderr)

    print(f"PyTorch {torch.__version__} ({torch.backends.mkldnn.is_available() and 'oneDNN' or 'no oneDNN'}), "
          f"{args.threads} threads, {args.rounds} interleaved rounds, median images/s")
    for name in MODELS:
        nchw = statistics.median(results[(name, "pytorch NCHW")])
        last = statistics.median(results[(name, "pytorch channels_last")])
        print(f"\n{name} (batch {MODELS[name][2]})")
        print(f"  {'row':<34} {'images/s':>9} {'/ NCHW':>7} {'/ ch_last':>9}  rounds; median of per-round ratios")
        nchw_rounds = results[(name, "pytorch NCHW")]
        last_rounds = results[(name, "pytorch channels_last")]
        for (model, label), rates in sorted(results.items()):
            if model != name:
                continue
            m = statistics.median(rates)
            spread = ", ".join(f"{r:.0f}" for r in rates)
            # The load of a shared machine drifts between rounds: ratios within a round are steadier.
            per_round = ""
            if len(rates) == len(nchw_rounds):
                a = statistics.median(r / n for r, n in zip(rates, nchw_rounds))
                b = statistics.median(r / c for r, c in zip(rates, last_rounds))
                per_round = f"; {a:.2f}x, {b:.2f}x"
            print(f"  {label:<34} {m:>9.0f} {m / nchw:>6.2f}x {m / last:>8.2f}x  {spread}{per_round}")


if __name__ == "__main__":
    main()
