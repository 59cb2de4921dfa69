/// The sizes of one 2D convolution over NCHW images (dilation 1): what `Im2Col` needs to lay
/// out patches and what `Conv2D` needs to size its matrices.
public struct ConvGeometry: Sendable, Equatable, CustomStringConvertible {
    /// Input channels `C`.
    public let channels: Int
    /// Input height `H` and width `W` in pixels.
    public let height: Int, width: Int
    /// Kernel height and width.
    public let kernelHeight: Int, kernelWidth: Int
    /// Step between neighbouring output pixels, in input pixels.
    public let strideHeight: Int, strideWidth: Int
    /// Zero rows/columns added on each side of the input.
    public let paddingHeight: Int, paddingWidth: Int

    /// Describes a convolution; the kernel must fit the padded input.
    public init(
        channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
        strideHeight: Int = 1, strideWidth: Int = 1, paddingHeight: Int = 0, paddingWidth: Int = 0
    ) {
        geometryCheck(channels > 0 && height > 0 && width > 0, "ConvGeometry: empty input \(channels)x\(height)x\(width)")
        geometryCheck(kernelHeight > 0 && kernelWidth > 0, "ConvGeometry: kernel \(kernelHeight)x\(kernelWidth)")
        geometryCheck(strideHeight > 0 && strideWidth > 0, "ConvGeometry: stride \(strideHeight)x\(strideWidth)")
        geometryCheck(paddingHeight >= 0 && paddingWidth >= 0, "ConvGeometry: padding \(paddingHeight)x\(paddingWidth)")
        geometryCheck(height + 2 * paddingHeight >= kernelHeight && width + 2 * paddingWidth >= kernelWidth,
            "ConvGeometry: kernel \(kernelHeight)x\(kernelWidth) larger than padded input \(height)x\(width) + \(paddingHeight)x\(paddingWidth)")
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.paddingHeight = paddingHeight
        self.paddingWidth = paddingWidth
    }

    /// Output height `(H + 2p - kh) / s + 1`.
    @inlinable public var outputHeight: Int { (height + 2 * paddingHeight - kernelHeight) / strideHeight + 1 }
    /// Output width `(W + 2p - kw) / s + 1`.
    @inlinable public var outputWidth: Int { (width + 2 * paddingWidth - kernelWidth) / strideWidth + 1 }
    /// Output pixels per image and channel, `Hout * Wout`.
    @inlinable public var outputPixels: Int { outputHeight * outputWidth }
    /// Input pixels per image and channel, `H * W`.
    @inlinable public var inputPixels: Int { height * width }
    /// Rows of the column matrix: `C * kh * kw` (the `K` of the convolution's `gemm`).
    @inlinable public var patchSize: Int { channels * kernelHeight * kernelWidth }

    /// `C x H x W, kh x kw, stride s, pad p`.
    public var description: String {
        "\(channels)x\(height)x\(width), kernel \(kernelHeight)x\(kernelWidth), stride \(strideHeight)x\(strideWidth), padding \(paddingHeight)x\(paddingWidth)"
    }
}

/// Stops with `message` when `condition` fails, in release builds too: a geometry comes from a
/// caller (the public convolution functions take one), so the message must survive `-O`.
@inline(__always)
func geometryCheck(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
