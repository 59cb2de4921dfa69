/// Max pooling over `kernelSize x kernelSize` windows of NCHW maps, moved by `stride`
/// (no padding): `[N, C, H, W] -> [N, C, (H - k) / s + 1, (W - k) / s + 1]`. Backward routes
/// each output gradient to the input pixel that held the maximum (the first one on ties).
/// A channel-blocked input (from a oneDNN convolution) is walked in Swift on either engine
/// (`MaxPoolBlocked.swift`), faster than oneDNN 2.6's primitive even blocked; a plain input runs
/// oneDNN's max pooling when `context.runsOneDNNNormalizationAndPooling` (`PoolingOneDNN.swift`)
/// and the Swift loops otherwise. Windows, ties and results are the same on every path.
public final class MaxPool2D: Layer {
    /// Window side.
    public var kernelSize: Int { window.size }
    /// Window step.
    public var stride: Int { window.stride }
    let window: PoolingWindow

    private var cachedInputShape: [Int] = []
    /// Whether the latest forward (training or evaluation) ran on oneDNN (`PoolingOneDNN.swift`),
    /// and its primitives; backward, which needs a training forward's input, follows it.
    private var forwardOnOneDNN = false
    /// The layout of the latest forward's input and output, which its backward keeps.
    private(set) var forwardLayout = TensorLayout.plain
    private let oneDNNCache = OneDNNPrimitiveCache()
    /// Where each output's maximum came from (its input pixel within the plane).
    var argmax: [Int32] = []

    /// Creates the layer; `stride` defaults to `kernelSize` (non-overlapping windows). Input
    /// `[N, C, H, W]`, output `[N, C, (H - kernelSize) / stride + 1, (W - kernelSize) / stride + 1]`.
    /// - Parameters:
    ///   - kernelSize: side of the square window whose maximum is taken, in pixels.
    ///   - stride: step of the window in pixels; `nil` for `kernelSize`.
    public init(kernelSize: Int, stride: Int? = nil) {
        window = PoolingWindow(layer: "MaxPool2D", size: kernelSize, stride: stride)
    }

    public func validateInput(shape: [Int]) -> String? {
        window.validate(shape, for: self)
    }

    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        let s = input.shape
        forwardLayout = input.layout
        // Blocked input runs the Swift walk on either engine: faster than oneDNN 2.6's primitive.
        forwardOnOneDNN = context.runsOneDNNNormalizationAndPooling && input.layout == .plain
        if input.layout != .plain {
            cachedInputShape = context.isTraining ? s : []
            return blockedForward(input, context: context)
        }
        if forwardOnOneDNN {
            cachedInputShape = context.isTraining ? s : []
            return PoolingOnOneDNN.forward(
                input, kernel: kernelSize, stride: stride, kind: .maximum, cache: oneDNNCache, context: context)
        }
        let (h, w, k, st) = (s[2], s[3], kernelSize, stride)
        let (oh, ow) = window.outputSize(height: h, width: w)
        let planes = s[0] * s[1]
        var output = Tensor.uninitialized([s[0], s[1], oh, ow])
        let training = context.isTraining
        if argmax.count != output.count { argmax = [Int32](repeating: 0, count: output.count) }
        input.withUnsafeBufferPointer { xb in
            output.withUnsafeMutableBufferPointer { yb in
                argmax.withUnsafeMutableBufferPointer { ab in
                    guard planes > 0 else { return }
                    let (x, y) = (SendableConstPointer(xb.baseAddress!), SendablePointer(yb.baseAddress!))
                    let a = SendablePointer(ab.baseAddress!)
                    Parallel.forEach(planes, threads: context.threads, pool: context.threadPool) { plane in
                        let xp = x.base + plane * h * w
                        let yp = y.base + plane * oh * ow
                        if k == 2 && st == 2 {
                            Self.forward2x2(xp, width: w, yp, argmax: a.base + plane * oh * ow, outputHeight: oh, outputWidth: ow)
                            return
                        }
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                var bestIndex = oy * st * w + ox * st
                                var best = xp[bestIndex]
                                for i in 0..<k {
                                    let rowIndex = (oy * st + i) * w + ox * st
                                    for j in 0..<k {
                                        // Selects instead of a branch: which element wins is data-dependent.
                                        let v = xp[rowIndex + j]
                                        let better = v > best
                                        best = better ? v : best
                                        bestIndex = better ? rowIndex + j : bestIndex
                                    }
                                }
                                yp[oy * ow + ox] = best
                                a.base[plane * oh * ow + oy * ow + ox] = Int32(bestIndex)
                            }
                        }
                    }
                }
            }
        }
        cachedInputShape = training ? s : []
        return output
    }

    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        let s = cachedInputShape
        guard !s.isEmpty else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        let (h, w) = (s[2], s[3])
        let (oh, ow) = window.outputSize(height: h, width: w)
        window.requireOutputGradient(outputGradient, input: s, for: self)
        if forwardOnOneDNN {
            return PoolingOnOneDNN.backward(
                outputGradient.stored(as: .plain), inputShape: s, layout: .plain, kernel: kernelSize,
                stride: stride, kind: .maximum, cache: oneDNNCache, context: context)
        }
        if let b = forwardLayout.channelBlock {
            return blockedBackward(outputGradient.stored(as: forwardLayout), inputShape: s, block: b, context: context)
        }
        // 2x2 windows with stride 2 tile the plane: every input pixel is written, so no zero fill.
        let tiled = kernelSize == 2 && stride == 2
        var inputGradient = tiled ? Tensor.uninitialized(s) : Tensor(zeros: s)
        let planes = s[0] * s[1]
        outputGradient.withUnsafeBufferPointer { gb in
            inputGradient.withUnsafeMutableBufferPointer { db in
                argmax.withUnsafeBufferPointer { ab in
                    guard planes > 0 else { return }
                    let (g, d, a) = (SendableConstPointer(gb.baseAddress!), SendablePointer(db.baseAddress!), SendableConstPointer(ab.baseAddress!))
                    // Each plane scatters only into its own input plane.
                    Parallel.forEach(planes, threads: context.threads, pool: context.threadPool) { plane in
                        let dp = d.base + plane * h * w
                        if tiled {
                            Self.backward2x2(
                                g.base + plane * oh * ow, argmax: a.base + plane * oh * ow, dp, height: h, width: w,
                                outputHeight: oh, outputWidth: ow)
                            return
                        }
                        for o in (plane * oh * ow)..<((plane + 1) * oh * ow) { dp[Int(a.base[o])] += g.base[o] }
                    }
                }
            }
        }
        return inputGradient
    }

    /// The 2x2, stride-2 forward of one plane (the models' only pooling): the four candidates
    /// in row-major order, the first maximum winning ties as in the general loop.
    ///
    /// Eight (or four) windows at a time: the even and odd lanes of two row loads are the four
    /// candidates, and selects keep the maximum (which candidate wins is random, so a branch
    /// would mispredict about half the time). A row whose width is not a multiple of the vector
    /// ends with a vector that overlaps the previous one, which rewrites the same values.
    @inline(__always)
    private static func forward2x2(
        _ x: UnsafePointer<Float>, width w: Int, _ y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
        outputHeight oh: Int, outputWidth ow: Int
    ) {
        for oy in 0..<oh {
            let top = 2 * oy * w
            let (yRow, aRow) = (y + oy * ow, argmax + oy * ow)
            if ow >= 8 {
                var ox = 0
                while true {
                    let start = min(ox, ow - 8)
                    windows8(x, top: top, width: w, column: start, yRow, aRow)
                    ox += 8
                    if start == ow - 8 { break }
                }
            } else if ow >= 4 {
                windows4(x, top: top, width: w, column: 0, yRow, aRow)
                windows4(x, top: top, width: w, column: ow - 4, yRow, aRow)
            } else {
                for ox in 0..<ow {
                    var index = top + 2 * ox
                    if x[top + 2 * ox + 1] > x[index] { index = top + 2 * ox + 1 }
                    if x[top + w + 2 * ox] > x[index] { index = top + w + 2 * ox }
                    if x[top + w + 2 * ox + 1] > x[index] { index = top + w + 2 * ox + 1 }
                    yRow[ox] = x[index]
                    aRow[ox] = Int32(index)
                }
            }
        }
    }

    /// Windows `column ..< column + 8` of the row pair starting at `top`.
    @inline(__always)
    private static func windows8(
        _ x: UnsafePointer<Float>, top: Int, width w: Int, column: Int,
        _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>
    ) {
        let j = 2 * column
        let a = UnsafeRawPointer(x + top + j).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(x + top + w + j).loadUnaligned(as: SIMD16<Float>.self)
        let lanes = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ Int32(top + j)
        var best = a.evenHalf
        var index = lanes
        var better = a.oddHalf .> best
        best.replace(with: a.oddHalf, where: better)
        index.replace(with: lanes &+ 1, where: better)
        better = b.evenHalf .> best
        best.replace(with: b.evenHalf, where: better)
        index.replace(with: lanes &+ Int32(w), where: better)
        better = b.oddHalf .> best
        best.replace(with: b.oddHalf, where: better)
        index.replace(with: lanes &+ Int32(w + 1), where: better)
        UnsafeMutableRawPointer(y + column).storeBytes(of: best, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(argmax + column).storeBytes(of: index, as: SIMD8<Int32>.self)
    }

    /// Windows `column ..< column + 4` of the row pair starting at `top`.
    @inline(__always)
    private static func windows4(
        _ x: UnsafePointer<Float>, top: Int, width w: Int, column: Int,
        _ y: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>
    ) {
        let j = 2 * column
        let a = UnsafeRawPointer(x + top + j).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(x + top + w + j).loadUnaligned(as: SIMD8<Float>.self)
        let lanes = SIMD4<Int32>(0, 2, 4, 6) &+ Int32(top + j)
        var best = a.evenHalf
        var index = lanes
        var better = a.oddHalf .> best
        best.replace(with: a.oddHalf, where: better)
        index.replace(with: lanes &+ 1, where: better)
        better = b.evenHalf .> best
        best.replace(with: b.evenHalf, where: better)
        index.replace(with: lanes &+ Int32(w), where: better)
        better = b.oddHalf .> best
        best.replace(with: b.oddHalf, where: better)
        index.replace(with: lanes &+ Int32(w + 1), where: better)
        UnsafeMutableRawPointer(y + column).storeBytes(of: best, as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(argmax + column).storeBytes(of: index, as: SIMD4<Int32>.self)
    }

    /// The 2x2, stride-2 backward of one plane: writes every input pixel (the gradient at the
    /// window's maximum, zero elsewhere, zero in a last odd row or column no window covers).
    @inline(__always)
    private static func backward2x2(
        _ g: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, _ dx: UnsafeMutablePointer<Float>,
        height h: Int, width w: Int, outputHeight oh: Int, outputWidth ow: Int
    ) {
        for oy in 0..<oh {
            let top = 2 * oy * w
            let r0 = dx + top
            let r1 = r0 + w
            for ox in 0..<ow {
                let j = 2 * ox
                (r0[j], r0[j + 1], r1[j], r1[j + 1]) = (0, 0, 0, 0)
                dx[Int(argmax[oy * ow + ox])] = g[oy * ow + ox]
            }
            if w > 2 * ow { r0[w - 1] = 0; r1[w - 1] = 0 }
        }
        if h > 2 * oh { (dx + (h - 1) * w).update(repeating: 0, count: w) }
    }
}
