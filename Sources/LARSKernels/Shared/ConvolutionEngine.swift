#if canImport(CDNNL)
import CDNNL
#endif

/// Which library runs convolutions: oneDNN's primitives or this package's im2col + `gemm` (on
/// whichever `KernelBackend` the context holds: OpenBLAS or the Swift kernels).
/// With `ExecutionContext.oneDNNNormalizationAndPooling` on (the default), the oneDNN engine
/// also runs BatchNorm (with a following ReLU fused) and average pooling, and activations stay
/// in oneDNN's channel-blocked layout between those layers (`TensorLayout`); max pooling walks
/// the blocks in Swift.
///
/// Both compute the same convolution up to the order of floating-point sums, so a model trained
/// on one runs and resumes on the other; a given engine (with the same threads) is deterministic.
public enum ConvolutionEngine: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// oneDNN (Debian's `libdnnl-dev`), compiled in when its header is installed at build time.
    case onednn
    /// im2col + `gemm` on the context's `KernelBackend` (OpenBLAS by default): the reference.
    /// Its raw value, `openblas`, is the name checkpoints have stored since before the engine
    /// ran on the Swift kernels too; `lars-train` accepts `im2col` and `openblas`.
    case im2col = "openblas"

    /// Whether this build links oneDNN (`Package.swift` adds it when `/usr/include/dnnl.h` exists).
    public static var isOneDNNAvailable: Bool {
        #if canImport(CDNNL)
            return true
        #else
            return false
        #endif
    }

    /// The engines this build can run, oneDNN first when present.
    public static var available: [ConvolutionEngine] {
        isOneDNNAvailable ? [.onednn, .im2col] : [.im2col]
    }

    /// oneDNN when this build links it, im2col otherwise: the same on every run of one build.
    public static var `default`: ConvolutionEngine { isOneDNNAvailable ? .onednn : .im2col }

    /// Whether this build can run the engine.
    public var isAvailable: Bool { self == .im2col || Self.isOneDNNAvailable }

    /// `onednn` or `im2col`, as on the command line and in run headers.
    public var description: String { self == .im2col ? "im2col" : rawValue }

    /// The engine spelled `name`: its description or its raw value (`openblas` for im2col).
    public init?(name: String) {
        guard let engine = Self.allCases.first(where: { $0.description == name || $0.rawValue == name }) else { return nil }
        self = engine
    }

    /// The library version behind the engine, such as `oneDNN 2.6.3` (for run headers).
    public var libraryDescription: String {
        switch self {
        case .im2col: return "gemm on the kernel backend"
        case .onednn:
            #if canImport(CDNNL)
                let v = dnnl_version().pointee
                return "oneDNN \(v.major).\(v.minor).\(v.patch)\(v.cpu_runtime == 2 ? ", OpenMP" : "")"
            #else
                return "oneDNN (not compiled in)"
            #endif
        }
    }
}
