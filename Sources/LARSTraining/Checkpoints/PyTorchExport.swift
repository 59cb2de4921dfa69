/// PyTorch `state_dict` names for a model's tensors, so that `model.load_state_dict(
/// safetensors.torch.load_file(path))` takes the exported file as it is for a PyTorch module
/// with the same structure (same child names, `nn.Conv2d`, `nn.BatchNorm2d`/`1d`, `nn.Linear`).
///
/// The layouts already agree (convolution weights `[out, in, k, k]`, dense weights `[out, in]`,
/// NCHW flattening), so only names change: a normalisation scale and shift become `weight` and
/// `bias`, `runningMean` and `runningVariance` become `running_mean` and `running_var` (both
/// unbiased, as PyTorch keeps them), and every BatchNorm gains the `num_batches_tracked` entry
/// PyTorch expects, a scalar 0: swift-lars does not count batches, and PyTorch reads the count
/// only when its momentum is `None`, which swift-lars's fixed momentum is not.
extension Layer {
    /// The model's tensors under PyTorch's names, in model order (parameters, then buffers).
    public var pyTorchStateDict: [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for p in namedParameters {
            switch p.parameter.kind {
            case .normScale: out.append((renamingLast(p.name, to: "weight"), p.parameter.value))
            case .normShift: out.append((renamingLast(p.name, to: "bias"), p.parameter.value))
            case .weight, .bias: out.append((p.name, p.parameter.value))
            }
        }
        for b in namedBuffers {
            switch lastComponent(b.name) {
            case "runningMean":
                out.append((renamingLast(b.name, to: "running_mean"), b.buffer.value))
            case "runningVariance":
                out.append((renamingLast(b.name, to: "running_var"), b.buffer.value))
                out.append((renamingLast(b.name, to: "num_batches_tracked"), Tensor(scalar: 0)))
            default:
                out.append((b.name, b.buffer.value))
            }
        }
        return out
    }

    /// Writes `pyTorchStateDict` as a safetensors file (`F32`; `load_state_dict` copies the
    /// scalar `num_batches_tracked` into PyTorch's `int64`).
    /// - Throws: `ModelStateError.duplicateName` when two tensors share a name (nothing is
    ///   written), `AtomicFileError` when the file cannot be written.
    public func exportPyTorchStateDict(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(pyTorchStateDict, metadata: metadata, to: path)
    }
}

private func lastComponent(_ name: String) -> Substring {
    name.lastIndex(of: ".").map { name[name.index(after: $0)...] } ?? name[...]
}

private func renamingLast(_ name: String, to last: String) -> String {
    name.lastIndex(of: ".").map { String(name[...$0]) + last } ?? last
}
