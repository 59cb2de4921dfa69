/// `BatchNorm` on the oneDNN engine: the tensors' pointers handed to the free functions in
/// `LARSKernels/BatchNormalizationOneDNN.swift`, which hold the arithmetic; the layer keeps the
/// cache, the batch statistics and the running-statistics update (the reference's definition).
/// Tensors are read and written in the input's layout (NCHW or channel-blocked).
extension BatchNorm {
    /// The layer's output (`relu` of it when `fusingReLU`) through oneDNN; in training, also the
    /// batch statistics for backward and the running-statistics update.
    func oneDNNForward(
        _ input: Tensor, batch n: Int, pixels: Int, fusingReLU: Bool, context: ExecutionContext
    ) -> Tensor {
        let c = featureCount
        var output = Tensor.uninitialized(input.shape, layout: input.layout)
        let (eps, cache, threads, layout) = (epsilon, oneDNNCache, context.threads, input.layout)
        if context.isTraining {
            var mean = [Float](repeating: 0, count: c)
            var variance = [Float](repeating: 0, count: c)
            input.withUnsafeStorage { xb in
                output.withUnsafeMutableStorage { yb in
                    scale.withValues { gamma in
                        shift.withValues { beta in
                            oneDNNBatchNormForwardTraining(
                                output: yb.baseAddress!, input: xb.baseAddress!, scale: gamma.baseAddress!,
                                shift: beta.baseAddress!, mean: &mean, variance: &variance, batch: n, channels: c,
                                pixels: pixels, layout: layout, epsilon: eps, fusedReLU: fusingReLU, cache: cache, threads: threads)
                        }
                    }
                }
            }
            updateRunningStatistics(mean: mean, variance: variance, count: Double(n * pixels))
            cachedInput = input
            batchMean = mean
            batchVariance = variance
            forwardOnOneDNN = true
            forwardFusedReLU = fusingReLU
        } else {
            // No images (an empty evaluation batch): nothing to normalise, and oneDNN refuses a
            // descriptor with a zero dimension.
            guard input.count > 0 else { return output }
            let (runningM, runningV) = (runningMean.value, runningVariance.value)
            input.withUnsafeStorage { xb in
                output.withUnsafeMutableStorage { yb in
                    scale.withValues { gamma in
                        shift.withValues { beta in
                            runningM.withUnsafeBufferPointer { mb in
                                runningV.withUnsafeBufferPointer { vb in
                                    oneDNNBatchNormForwardInference(
                                        output: yb.baseAddress!, input: xb.baseAddress!, scale: gamma.baseAddress!,
                                        shift: beta.baseAddress!, mean: mb.baseAddress!, variance: vb.baseAddress!,
                                        batch: n, channels: c, pixels: pixels, layout: layout, epsilon: eps, fusedReLU: fusingReLU,
                                        cache: cache, threads: threads)
                                }
                            }
                        }
                    }
                }
            }
            cachedInput = nil
        }
        return output
    }

    /// dL/dx of the latest oneDNN training forward (of `relu(bn(x))` when it fused a ReLU),
    /// accumulating dL/dscale and dL/dshift into the parameters' gradients.
    func oneDNNBackward(_ outputGradient: Tensor, input: Tensor, batch n: Int, pixels: Int, context: ExecutionContext)
        -> Tensor
    {
        let c = featureCount
        let outputGradient = outputGradient.stored(as: input.layout)
        var inputGradient = Tensor.uninitialized(input.shape, layout: input.layout)
        let (eps, fused, cache, threads, layout) = (
            epsilon, forwardFusedReLU, oneDNNCache, context.threads, input.layout
        )
        input.withUnsafeStorage { xb in
            outputGradient.withUnsafeStorage { dyb in
                inputGradient.withUnsafeMutableStorage { dxb in
                    scale.withValues { gamma in
                        shift.withValues { beta in
                        scale.withGradients { dgamma in
                            shift.withGradients { dbeta in
                                oneDNNBatchNormBackward(
                                    inputGradient: dxb.baseAddress!, scaleGradient: dgamma.baseAddress!,
                                    shiftGradient: dbeta.baseAddress!, input: xb.baseAddress!,
                                    outputGradient: dyb.baseAddress!, scale: gamma.baseAddress!, shift: beta.baseAddress!,
                                    mean: batchMean, variance: batchVariance, batch: n, channels: c, pixels: pixels, layout: layout, epsilon: eps,
                                    fusedReLU: fused, cache: cache, threads: threads)
                            }
                        }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}
