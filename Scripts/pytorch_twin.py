#!/usr/bin/env python3
"""The PyTorch twin of lars-train's default recipe, written as a PyTorch user would.

Same recipe as `lars-train` with no flags: Fashion-MNIST read from the same IDX files
(/usr/share/datasets/fashion-mnist), normalised with the training images' mean and deviation;
the small CNN (conv3x3 1->32 + BN + ReLU + maxpool, conv3x3 32->64 + BN + ReLU + maxpool,
dense 3136->128 + ReLU, dense 128->10); LARS as Algorithm 1 of You, Gitman & Ginsburg (2017)
(trust ratio eta*||w|| / (||g|| + beta*||w||), rate inside the momentum buffer, eta 0.002,
momentum 0.9, weight decay 5e-4), with biases and BatchNorm parameters excluded (plain momentum
SGD, no decay); peak rate 3.0, one epoch of linear warm-up, then power-2 polynomial decay to 0;
random horizontal flips, no crops; batch 512 with the last partial batch dropped, reshuffled
every epoch; 8 epochs; test evaluation after every epoch in batches of 1,000.

The tensors live in memory; flips are one `torch.where` per batch. Random streams differ from
swift-lars's, so accuracies agree only statistically.

    /work/venv/bin/python Scripts/pytorch_twin.py --threads 2 [--channels-last] [--epochs 8]

Prints one line per epoch and, with --json PATH, writes the per-epoch figures for
`Scripts/compare-pytorch.py --end-to-end`. PyTorch is never a dependency of the Swift tests.
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

DATA = "/usr/share/datasets/fashion-mnist"


def small_cnn(nn):
    """Models.smallCNN: conv3x3 1->32 (no bias) + BN + ReLU + maxpool 2, conv3x3 32->64 (no
    bias) + BN + ReLU + maxpool 2, dense 3136->128 + ReLU, dense 128->10."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def read_idx(path):
    """An IDX file (optionally gzipped) as a uint8 numpy array of its shape."""
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory, split, limit):
    """Images [N, 1, 28, 28] as uint8 and labels [N] as int64 of `split` ("train" or "t10k")."""
    def find(kind):
        for name in (f"{split}-{kind}-idx{3 if kind == 'images' else 1}-ubyte", ):
            for candidate in (name, name + ".gz"):
                path = os.path.join(directory, candidate)
                if os.path.exists(path):
                    return path
        sys.exit(f"no {split} {kind} in {directory}")
    images = read_idx(find("images"))
    labels = read_idx(find("labels"))
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images[:, None, :, :], labels.astype("int64")


class LARS:
    """Algorithm 1 of You, Gitman & Ginsburg (2017) with the rate inside the momentum buffer:
    v = m*v + gamma*lambda*(g + beta*w); w -= v, lambda = eta*||w|| / (||g|| + beta*||w||)
    (1 when either norm is 0). Excluded parameters take v = m*v + gamma*g; w -= v."""

    def __init__(self, torch, adapted, excluded, momentum=0.9, weight_decay=5e-4, eta=0.002):
        self.torch = torch
        self.groups = [(adapted, True), (excluded, False)]
        self.momentum, self.weight_decay, self.eta = momentum, weight_decay, eta
        self.buffers = {id(p): torch.zeros_like(p) for params, _ in self.groups for p in params}

    def step(self, rate):
        torch = self.torch
        with torch.no_grad():
            for params, adapt in self.groups:
                for p in params:
                    g, v = p.grad, self.buffers[id(p)]
                    if adapt:
                        w_norm, g_norm = torch.linalg.vector_norm(p), torch.linalg.vector_norm(g)
                        trust = torch.where(
                            (w_norm > 0) & (g_norm > 0),
                            self.eta * w_norm / (g_norm + self.weight_decay * w_norm), torch.ones_like(w_norm))
                        v.mul_(self.momentum).add_((g + self.weight_decay * p) * (trust * rate))
                    else:
                        v.mul_(self.momentum).add_(g, alpha=rate)
                    p.sub_(v)


def schedule(step, steps_per_epoch, epochs, peak=3.0, warmup_epochs=1.0, power=2.0):
    """ScheduleFactory's poly: linear warm-up (t+1)/W * peak, then peak * (1 - t'/T)^power."""
    total = steps_per_epoch * epochs
    warmup = min(int(round(warmup_epochs * steps_per_epoch)), max(total - 1, 0))
    if step < warmup:
        return peak * (step + 1) / warmup
    decay = max(total - warmup, 1)
    return peak * (1 - min(step - warmup, decay) / decay) ** power


def evaluate(torch, model, images, labels, mean, std, channels_last, batch=1000):
    """Mean loss and accuracy on `images` in evaluation mode."""
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            x = (images[start:start + batch].float() / 255 - mean) / std
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = labels[start:start + batch]
            logits = model(x)
            loss_sum += torch.nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    model.train()
    return loss_sum / len(labels), correct / len(labels)


def train(args):
    """Runs the recipe; returns one dict per epoch."""
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_images, train_labels = load(args.data_dir, "train", args.train_limit)
    test_images, test_labels = load(args.data_dir, "t10k", args.test_limit)
    images, labels = torch.from_numpy(train_images.copy()), torch.from_numpy(train_labels)
    test_x, test_y = torch.from_numpy(test_images.copy()), torch.from_numpy(test_labels)
    scaled = images.float() / 255
    mean, std = scaled.mean().item(), scaled.std(unbiased=False).item()

    model = small_cnn(torch.nn)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    adapted = [p for p in model.parameters() if p.dim() > 1]
    excluded = [p for p in model.parameters() if p.dim() <= 1]
    optimizer = LARS(torch, adapted, excluded)
    batch = args.batch_size
    steps_per_epoch = len(labels) // batch
    step, history, elapsed = 0, [], 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(labels))
        loss_sum, correct = 0.0, 0
        for index in range(steps_per_epoch):
            chosen = order[index * batch:(index + 1) * batch]
            x = (images[chosen].float() / 255 - mean) / std
            flip = torch.rand(batch) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = labels[chosen]
            for p in model.parameters():
                p.grad = None
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits, y)
            loss.backward()
            optimizer.step(schedule(step, steps_per_epoch, args.epochs))
            step += 1
            loss_sum += loss.item() * batch
            correct += (logits.argmax(1) == y).sum().item()
        seconds = time.perf_counter() - start
        elapsed += seconds
        seen = steps_per_epoch * batch
        test_loss, test_accuracy = evaluate(torch, model, test_x, test_y, mean, std, args.channels_last)
        row = {"epoch": epoch + 1, "seconds": seconds, "images_per_second": seen / seconds,
               "train_loss": loss_sum / seen, "train_accuracy": correct / seen, "test_loss": test_loss,
               "test_accuracy": test_accuracy, "training_seconds": elapsed}
        history.append(row)
        print(f"epoch {epoch + 1}/{args.epochs}  train loss {row['train_loss']:.4f}  test acc "
              f"{100 * test_accuracy:.2f}%  {seconds:.1f} s  {row['images_per_second']:.0f} img/s", flush=True)
        if not math.isfinite(row["train_loss"]):
            break
    return history


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=DATA)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train-limit", type=int)
    parser.add_argument("--test-limit", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--channels-last", action="store_true", help="model and batches in channels_last")
    parser.add_argument("--json", help="write the per-epoch figures here")
    args = parser.parse_args()
    history = train(args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(history, f)


if __name__ == "__main__":
    main()
