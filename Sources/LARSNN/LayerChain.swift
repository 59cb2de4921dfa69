/// Runs layers one after another: the one place that decides layer fusion, used by
/// `Sequential`, `ResidualBlock` and any container a user writes.
///
/// Fusion: when a `BatchNorm` runs on oneDNN (`ExecutionContext.runsOneDNNNormalizationAndPooling`
/// and no statistics reducer) and the next layer is a `ReLU`, the two run as one fused oneDNN
/// primitive (the same result up to rounding, one pass over the activations fewer). The ReLU
/// then passes its gradient through unchanged and the BatchNorm's backward applies the ReLU's
/// mask, so `backward` needs no knowledge of what was fused.
public enum LayerChain {
    /// Runs `layers` in order on `input`, fusing each BatchNorm + ReLU pair where BatchNorm runs
    /// on oneDNN. The output is the last layer's.
    public static func forward(_ layers: [any Layer], _ input: Tensor, context: ExecutionContext) -> Tensor {
        var x = input
        var i = 0
        while i < layers.count {
            if i + 1 < layers.count, let bn = layers[i] as? BatchNorm, let relu = layers[i + 1] as? ReLU,
                bn.kernels(context).fusesReLU
            {
                x = bn.forward(x, context: context, fusingReLU: true)
                relu.wasFused(context: context)
                i += 2
                continue
            }
            x = layers[i].forward(x, context: context)
            i += 1
        }
        return x
    }

    /// Back-propagates `outputGradient` through `layers` in reverse order (the latest
    /// `forward(_:_:context:)` over the same layers must have run in training mode); returns dL/dx.
    public static func backward(_ layers: [any Layer], _ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        layers.reversed().reduce(outputGradient) { g, layer in layer.backward(g, context: context) }
    }
}
