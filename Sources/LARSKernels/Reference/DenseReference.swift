// The fully connected layer's arithmetic, one `gemm` per product on a `KernelBackend`, the same
// on both engines. Shapes: input `x` and input gradient `dx` `[batch, inputCount]`; weights `w`
// and weight gradient `dw` `[outputCount, inputCount]` (PyTorch's layout); bias `b` and bias
// gradient `db` `[outputCount]`; output `y` and output gradient `dy` `[batch, outputCount]`.

/// `y = x w^T + b` (`b` optional), `y` overwritten.
public func denseForward(
    output y: UnsafeMutablePointer<Float>, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    bias b: UnsafePointer<Float>?, batch n: Int, inputCount: Int, outputCount: Int, backend: any KernelBackend
) {
    if let b {
        // Broadcast the bias into y, then let gemm add x W^T on top (beta = 1).
        for row in 0..<n { (y + row * outputCount).update(from: b, count: outputCount) }
    }
    backend.gemm(
        transA: false, transB: true, m: n, n: outputCount, k: inputCount, a: x, b: w, beta: b == nil ? 0 : 1, c: y)
}

/// `dw += dy^T x`, `db += sum of dy over the batch` (when `db` is given), `dx = dy w`
/// (overwritten).
public func denseBackward(
    inputGradient dx: UnsafeMutablePointer<Float>, weightGradient dw: UnsafeMutablePointer<Float>,
    biasGradient db: UnsafeMutablePointer<Float>?, input x: UnsafePointer<Float>, weights w: UnsafePointer<Float>,
    outputGradient dy: UnsafePointer<Float>, batch n: Int, inputCount: Int, outputCount: Int,
    backend: any KernelBackend
) {
    // dW += dY^T X  ([out, N] x [N, in]).
    backend.gemm(transA: true, transB: false, m: outputCount, n: inputCount, k: n, a: dy, b: x, beta: 1, c: dw)
    if let db {
        for row in 0..<n {
            let r = dy + row * outputCount
            for j in 0..<outputCount { db[j] += r[j] }
        }
    }
    // dX = dY W  ([N, out] x [out, in]).
    backend.gemm(transA: false, transB: false, m: n, n: inputCount, k: outputCount, a: dy, b: w, beta: 0, c: dx)
}
