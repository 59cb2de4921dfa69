import LARSNN
import LARSTestSupport

/// The kernel backends and convolution engines every layer test runs on: im2col + OpenBLAS,
/// im2col + the Swift kernels, and (when compiled in) oneDNN's convolutions, BatchNorm and pooling.
enum BackendChoice: String, CaseIterable, Sendable, CustomStringConvertible {
    case openblas
    case swiftTuned
    case onednn

    /// The choices this build can run (oneDNN only when linked).
    static var allCases: [BackendChoice] {
        ConvolutionEngine.isOneDNNAvailable ? [.openblas, .swiftTuned, .onednn] : [.openblas, .swiftTuned]
    }

    var backend: any KernelBackend {
        switch self {
        case .openblas, .onednn: OpenBLASBackend()
        case .swiftTuned: SwiftBackend(gemm: .tuned)
        }
    }

    var engine: ConvolutionEngine { self == .onednn ? .onednn : .im2col }

    var description: String { rawValue }

    func context(training: Bool = true) -> ExecutionContext {
        ExecutionContext(
            backend: backend, isTraining: training, threads: 2, convolutionEngine: engine,
            oneDNNNormalizationAndPooling: self == .onednn)
    }
}

/// Finite-difference check of every gradient of `layer` at `input` in training mode.
func layerGradientReport(
    _ layer: any Layer, input: Tensor, backend: BackendChoice, step: Float = 1e-2, tolerance: Double = 1e-2,
    checkInput: Bool = true, allowOneSided: Bool = false, absoluteFloor: Double = 1e-3
) -> GradientCheckReport {
    let context = backend.context()
    return checkGradients(
        input: input, parameters: layer.namedParameters,
        forward: { layer.forward($0, context: context) },
        backward: { layer.backward($0, context: context) },
        step: step, tolerance: tolerance, absoluteFloor: absoluteFloor, checkInput: checkInput, allowOneSided: allowOneSided)
}

/// Normal samples pushed at least `margin` away from zero, so that a finite-difference step
/// never crosses a ReLU kink.
func awayFromZero(_ shape: [Int], margin: Float = 0.1, generator: inout SeededGenerator) -> Tensor {
    Tensor(normal: shape, generator: &generator).map { $0 >= 0 ? $0 + margin : $0 - margin }
}

/// A random permutation of well-separated values, so that max-pooling has no near-ties.
func distinctValues(_ shape: [Int], generator: inout SeededGenerator) -> Tensor {
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
    values.shuffle(using: &generator)
    return Tensor(shape: shape, scalars: values)
}

/// The direct nested-loop convolution of NCHW `x` with `[Cout, C, k, k]` weights (oracle).
func directConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: Int, padding: Int) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, k) = (weight.shape[0], weight.shape[2])
    let oh = (h + 2 * padding - k) / stride + 1
    let ow = (w + 2 * padding - k) / stride + 1
    var y = Tensor(zeros: [n, cout, oh, ow])
    for b in 0..<n {
        for co in 0..<cout {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum: Double = bias.map { Double($0.scalars[co]) } ?? 0
                    for ci in 0..<c {
                        for i in 0..<k {
                            for j in 0..<k {
                                let iy = oy * stride - padding + i
                                let ix = ox * stride - padding + j
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                sum += Double(weight[co, ci, i, j]) * Double(x[b, ci, iy, ix])
                            }
                        }
                    }
                    y[b, co, oy, ox] = Float(sum)
                }
            }
        }
    }
    return y
}
