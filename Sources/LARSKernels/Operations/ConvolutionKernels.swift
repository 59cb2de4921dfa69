/// What one convolution layer keeps between calls on either engine: the im2col engine's patch
/// matrices and the oneDNN engine's primitives (each filled only when its engine runs). Owned
/// by the layer, so each `DataParallel` replica has its own; not for two threads at once.
public final class ConvolutionState: @unchecked Sendable {
    /// Scratch memory of the im2col engine.
    public let im2colWorkspace = Im2ColConvolutionWorkspace()
    /// Primitives of the oneDNN engine, per input shape.
    public let oneDNNCache = OneDNNConvolutionCache()

    /// An empty state.
    public init() {}
}

/// How a convolution forward stored its output: what the matching backward must be told.
public struct ConvolutionForwardRecord: Sendable, Equatable {
    /// The engine that ran the forward.
    public var engine: ConvolutionEngine
    /// The layout the output was written in.
    public var outputLayout: TensorLayout
    /// Whether the forward asked oneDNN for a blocked output (part of its primitives' key).
    public var blockedOutput: Bool

    /// A record of a forward on `engine` that wrote `outputLayout`, having asked for a blocked
    /// output or not.
    public init(engine: ConvolutionEngine, outputLayout: TensorLayout, blockedOutput: Bool) {
        self.engine = engine
        self.outputLayout = outputLayout
        self.blockedOutput = blockedOutput
    }

    /// The record of a forward that has not run: NCHW, on im2col.
    public static let none = ConvolutionForwardRecord(engine: .im2col, outputLayout: .plain, blockedOutput: false)
}

/// The convolution arithmetic of one engine, chosen once from the context
/// (`ExecutionContext.convolutionKernels`), so that `Conv2D` calls it without asking which
/// engine runs. A value of a few words: making one per call allocates nothing.
///
/// Shapes, for `batch` images and geometry `g`: input `x` and input gradient `dx`
/// `[batch, g.channels, g.height, g.width]`; weights `w` and weight gradient `dw`
/// `[outputChannels, g.channels, g.kernelHeight, g.kernelWidth]` (OIHW); bias `b` and bias
/// gradient `db` `[outputChannels]`; output `y` and output gradient `dy`
/// `[batch, outputChannels, g.outputHeight, g.outputWidth]`. Activations are stored as
/// `inputLayout(for:)` and `outputGradientLayout(after:)` say.
public struct ConvolutionKernels: Sendable {
    /// The engine whose functions run.
    public let engine: ConvolutionEngine
    /// Runs the im2col engine's `gemm`s.
    public let backend: any KernelBackend
    /// Threads of each call (OpenMP's on oneDNN, the Swift loops' on im2col).
    public let threads: Int
    /// oneDNN only: whether the forward may hand its output on channel-blocked.
    public let blocksOutput: Bool

    /// The kernels of `engine`; `blocksOutput` lets a oneDNN forward write a blocked output.
    public init(engine: ConvolutionEngine, backend: any KernelBackend, threads: Int, blocksOutput: Bool) {
        self.engine = engine
        self.backend = backend
        self.threads = threads
        self.blocksOutput = blocksOutput && engine == .onednn
    }

    /// The layout these kernels read an input stored as `layout` in: as stored on oneDNN, NCHW
    /// on im2col.
    public func inputLayout(for layout: TensorLayout) -> TensorLayout {
        engine == .onednn ? layout : .plain
    }

    /// The layout these kernels read the output gradient of `forward` in.
    public func outputGradientLayout(after forward: ConvolutionForwardRecord) -> TensorLayout {
        engine == .onednn ? forward.outputLayout : .plain
    }

    /// `y = conv(x, w) + b` (`b` optional), `y` overwritten; `x` stored as
    /// `inputLayout(for: inputLayout)`. `columnBudget` bounds the im2col patch matrix, in floats.
    /// Returns how `y` was stored, for the backward.
    public func forward(
        output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, inputLayout: TensorLayout,
        weights w: UnsafePointer<Float>, bias b: UnsafePointer<Float>?, batch: Int, geometry g: ConvGeometry,
        outputChannels: Int, columnBudget: Int, state: ConvolutionState
    ) -> ConvolutionForwardRecord {
        switch engine {
        case .im2col:
            im2colConvolutionForward(
                output: y, input: x, weights: w, bias: b, batch: batch, geometry: g, outputChannels: outputChannels,
                columnBudget: columnBudget, workspace: state.im2colWorkspace, backend: backend, threads: threads)
            return .none
        case .onednn:
            let layout = oneDNNConvolutionForward(
                output: y, input: x, weights: w, bias: b, batch: batch, geometry: g, outputChannels: outputChannels,
                inputLayout: inputLayout, blockedOutput: blocksOutput, cache: state.oneDNNCache, threads: threads)
            return ConvolutionForwardRecord(engine: .onednn, outputLayout: layout, blockedOutput: blocksOutput)
        }
    }

    /// `dx = conv_backward_data(dy, w)` (overwritten, when `dx` is given), `dw +=
    /// conv_backward_weights(x, dy)` and `db += sum of dy` (accumulated, when given). `x` is the
    /// forward's input, stored as `inputLayout`; `dx` is stored so too; `dy` as
    /// `outputGradientLayout(after: forward)`.
    public func backward(
        inputGradient dx: UnsafeMutablePointer<Float>?, weightGradient dw: UnsafeMutablePointer<Float>?,
        biasGradient db: UnsafeMutablePointer<Float>?, input x: UnsafePointer<Float>, inputLayout: TensorLayout,
        weights w: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, batch: Int, geometry g: ConvGeometry,
        outputChannels: Int, columnBudget: Int, forward: ConvolutionForwardRecord, state: ConvolutionState
    ) {
        switch engine {
        case .im2col:
            im2colConvolutionBackward(
                inputGradient: dx, weightGradient: dw, biasGradient: db, input: x, weights: w, outputGradient: dy,
                batch: batch, geometry: g, outputChannels: outputChannels, columnBudget: columnBudget,
                workspace: state.im2colWorkspace, backend: backend, threads: threads)
        case .onednn:
            oneDNNConvolutionBackward(
                inputGradient: dx, weightGradient: dw, biasGradient: db, input: x, weights: w, outputGradient: dy,
                batch: batch, geometry: g, outputChannels: outputChannels, inputLayout: inputLayout,
                blockedOutput: forward.blockedOutput, inputIsFromForward: forward.engine == .onednn,
                cache: state.oneDNNCache, threads: threads)
        }
    }
}
