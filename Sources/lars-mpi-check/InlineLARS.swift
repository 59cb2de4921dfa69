import LARSCore

/// LARS with heavy-ball momentum (You, Gitman & Ginsburg 2017), written inline over the flat
/// buffers so that the check does not depend on LARSOptimizers: per weight tensor
/// `local_lr = lr * eta * |w| / (|g| + wd |w|)`, `v = m v + local_lr (g + wd w)`, `w -= v`;
/// biases use `lr` and no decay. The norms are of the gradient it is given, which in the
/// data-parallel run is the global (all-reduced) one.
struct InlineLARS {
    var learningRate: Float = 0.5
    var momentum: Float = 0.9
    var weightDecay: Float = 5e-4
    var trustCoefficient: Float = 0.01
    var velocity: [Float]

    init(parameterCount: Int) {
        velocity = [Float](repeating: 0, count: parameterCount)
    }

    mutating func step(parameters: inout [Float], gradient: [Float], segments: [TinyMLP.Segment], backend: any KernelBackend) {
        let (lr, m, wd, eta) = (learningRate, momentum, weightDecay, trustCoefficient)
        parameters.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                velocity.withUnsafeMutableBufferPointer { v in
                    for segment in segments {
                        let w = w.baseAddress! + segment.offset, g = g.baseAddress! + segment.offset
                        let v = v.baseAddress! + segment.offset
                        var localRate = lr
                        var decay: Float = 0
                        if segment.isWeight {
                            decay = wd
                            let weightNorm = backend.nrm2(n: segment.count, x: w)
                            let gradientNorm = backend.nrm2(n: segment.count, x: g)
                            if weightNorm > 0 && gradientNorm > 0 {
                                localRate = lr * eta * weightNorm / (gradientNorm + wd * weightNorm)
                            }
                        }
                        for i in 0..<segment.count {
                            v[i] = m * v[i] + localRate * (g[i] + decay * w[i])
                            w[i] -= v[i]
                        }
                    }
                }
            }
        }
    }
}
