"""Recomputes, in NumPy alone, the logits of the small model that ModelStateTests saves, from the
safetensors file swift-lars wrote, and compares them with the logits Swift computed.

Usage: python3 recompute_logits.py DIR  (DIR holds model.safetensors, its PyTorch-named export
torch.safetensors, input.npy and logits.npy)
Exit status: 0 when they agree, 1 when they differ, 77 when numpy or safetensors is missing.
"""
import sys

try:
    import numpy as np
    from safetensors.numpy import load_file
except ImportError as error:
    print(f"missing Python package: {error}")
    sys.exit(77)


def conv2d(x, weight, bias, stride, padding):
    """Cross-correlation of NCHW x with OIHW weight, by explicit loops over the output."""
    n, c, h, w = x.shape
    out_channels, _, k, _ = weight.shape
    padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=np.float64)
    padded[:, :, padding:padding + h, padding:padding + w] = x
    out_h = (h + 2 * padding - k) // stride + 1
    out_w = (w + 2 * padding - k) // stride + 1
    y = np.zeros((n, out_channels, out_h, out_w), dtype=np.float64)
    for i in range(n):
        for o in range(out_channels):
            for r in range(out_h):
                for s in range(out_w):
                    window = padded[i, :, r * stride:r * stride + k, s * stride:s * stride + k]
                    y[i, o, r, s] = np.sum(window * weight[o]) + (bias[o] if bias is not None else 0.0)
    return y


def batch_norm_eval(x, scale, shift, mean, variance, epsilon=1e-5):
    shape = (1, -1, 1, 1)
    return (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon) * scale.reshape(shape) + shift.reshape(shape)


def logits_of(t, x, bn):
    """The model's logits; `bn` names the BatchNorm tensors (swift-lars's or PyTorch's)."""
    y = conv2d(x, t["conv1.weight"], t["conv1.bias"], stride=1, padding=1)
    y = batch_norm_eval(y, *(t["bn1." + name] for name in bn))
    y = np.maximum(y, 0)
    y = conv2d(y, t["conv2.weight"], t["conv2.bias"], stride=2, padding=0)
    y = y.reshape(y.shape[0], -1)
    return y @ t["fc.weight"].T + t["fc.bias"]


def main(directory):
    x = np.load(directory + "/input.npy").astype(np.float64)
    expected = np.load(directory + "/logits.npy").astype(np.float64)
    tolerance = 1e-4 * max(1.0, np.max(np.abs(expected)))
    status = 0
    files = [("model.safetensors", ("scale", "shift", "runningMean", "runningVariance")),
             ("torch.safetensors", ("weight", "bias", "running_mean", "running_var"))]
    for file, bn in files:
        t = {name: value.astype(np.float64) for name, value in load_file(directory + "/" + file).items()}
        difference = np.max(np.abs(logits_of(t, x, bn) - expected))
        print(f"{file}: max |numpy - swift| = {difference:.3g} over {expected.size} logits")
        status |= difference > tolerance
    torch_names = set(load_file(directory + "/torch.safetensors"))
    if "bn1.num_batches_tracked" not in torch_names:
        print("torch.safetensors lacks bn1.num_batches_tracked")
        status = 1
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
