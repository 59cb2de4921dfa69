"""Loads the PyTorch state_dict that `lars-train --export-pytorch` wrote for the small CNN and for
ResNet-20 into PyTorch twins of those models with `load_state_dict(strict=True)`, runs them in
evaluation mode on the fixed inputs Swift ran, and compares the logits with Swift's.

Usage: python3 test_export.py DIR  (DIR holds, for MODEL in small-cnn and resnet20,
MODEL.safetensors, MODEL-input.npy and MODEL-logits.npy, written by PyTorchTwinTests)
Exit status: 0 when every model agrees, 1 when one differs, 77 when torch, numpy or
safetensors is missing (the Swift test then reports the test as skipped, saying why).
"""
import sys
from collections import OrderedDict

try:
    import numpy as np
    import torch
    from safetensors.torch import load_file
    from torch import nn
except ImportError as error:
    print(f"missing Python package: {error}")
    sys.exit(77)


def small_cnn(channels, side, classes):
    """Models.smallCNN: two conv-BN-ReLU-maxpool stages, then two dense layers."""
    s = side // 2 // 2
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(channels, 32, 3, padding=1, bias=False)),
        ("bn1", nn.BatchNorm2d(32)), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
        ("conv2", nn.Conv2d(32, 64, 3, padding=1, bias=False)),
        ("bn2", nn.BatchNorm2d(64)), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
        ("flatten", nn.Flatten()),
        ("fc1", nn.Linear(64 * s * s, 128)), ("relu3", nn.ReLU()),
        ("fc2", nn.Linear(128, classes)),
    ]))


class ResidualBlock(nn.Module):
    """ResidualBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), with a 1x1
    projection shortcut (children conv, bn) when the width or the stride changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if cin != cout or stride != 1:
            self.shortcut = nn.Sequential(OrderedDict([
                ("conv", nn.Conv2d(cin, cout, 1, stride, 0, bias=False)), ("bn", nn.BatchNorm2d(cout))]))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + (self.shortcut(x) if self.shortcut is not None else x))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def resnet(depth, channels, classes):
    """Models.resNet: stem, bn, relu, three stages of (depth - 2) / 6 blocks, pool, fc."""
    blocks = (depth - 2) // 6
    layers = [("stem", nn.Conv2d(channels, 16, 3, padding=1, bias=False)), ("bn", nn.BatchNorm2d(16)), ("relu", nn.ReLU())]
    cin = 16
    for index, width in enumerate([16, 32, 64]):
        stage = []
        for b in range(blocks):
            stage.append((f"block{b}", ResidualBlock(cin, width, 2 if b == 0 and index > 0 else 1)))
            cin = width
        layers.append((f"stage{index + 1}", nn.Sequential(OrderedDict(stage))))
    layers += [("pool", GlobalAvgPool()), ("fc", nn.Linear(64, classes))]
    return nn.Sequential(OrderedDict(layers))


def twin(name, state, inputs):
    channels, side = inputs.shape[1], inputs.shape[2]
    if name == "small-cnn":
        return small_cnn(channels, side, state["fc2.weight"].shape[0])
    if name == "resnet20":
        return resnet(20, channels, state["fc.weight"].shape[0])
    raise ValueError(name)


def main(directory):
    failed = False
    for name in ["small-cnn", "resnet20"]:
        state = load_file(f"{directory}/{name}.safetensors")
        inputs = np.load(f"{directory}/{name}-input.npy")
        expected = np.load(f"{directory}/{name}-logits.npy")
        model = twin(name, state, inputs)
        model.load_state_dict(state, strict=True)
        model.eval()
        with torch.no_grad():
            logits = model(torch.from_numpy(inputs)).numpy()
        difference = float(np.max(np.abs(logits - expected)))
        scale = float(np.max(np.abs(expected)))
        agrees = logits.shape == expected.shape and difference <= 1e-4 * max(1.0, scale)
        print(f"{name}: {len(state)} tensors loaded strictly; logits {logits.shape}, "
              f"max |torch - swift| = {difference:.3g} (largest logit {scale:.3g}): {'agree' if agrees else 'DIFFER'}")
        failed = failed or not agrees
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
