// Matrix products and norms through the kernel interface.

extension Tensor {
    /// The matrix product `op(a) * op(b)` of two rank-2 tensors, where `op` transposes when asked.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA transA: Bool = false, transposeB transB: Bool = false,
        backend: any KernelBackend = OpenBLASBackend()
    ) -> Tensor {
        userPrecondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got shapes \(a.shape) and \(b.shape)")
        let m = transA ? a.shape[1] : a.shape[0]
        let k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0]
        let n = transB ? b.shape[0] : b.shape[1]
        userPrecondition(
            k == kb,
            "matmul: inner dimensions differ: op(a) is \(m)x\(k), op(b) is \(kb)x\(n) (shapes \(a.shape), \(b.shape))")
        var c = Tensor(zeros: [m, n])
        // An empty product is all zeros; BLAS also wants strides of at least 1.
        if m == 0 || n == 0 || k == 0 { return c }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    backend.gemm(
                        transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1,
                        a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                        beta: 0, c: pc.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }

    /// The Euclidean (L2) norm of all elements, overflow-safe (`nrm2`).
    public func norm(backend: any KernelBackend = OpenBLASBackend()) -> Float {
        if count == 0 { return 0 }
        return withUnsafeBufferPointer { backend.nrm2(n: count, x: $0.baseAddress!) }
    }

    /// The dot product of all elements with those of `other` (same shape).
    public func dot(_ other: Tensor, backend: any KernelBackend = OpenBLASBackend()) -> Float {
        userPrecondition(shape == other.shape, "dot: shapes \(shape) and \(other.shape) differ")
        if count == 0 { return 0 }
        return withUnsafeBufferPointer { x in
            other.withUnsafeBufferPointer { y in backend.dot(n: count, x: x.baseAddress!, y: y.baseAddress!) }
        }
    }

    /// The transpose of a rank-2 tensor.
    public func transposed() -> Tensor {
        userPrecondition(rank == 2, "transposed() needs a matrix, got shape \(shape)")
        let (rows, cols) = (shape[0], shape[1])
        var out = Tensor(zeros: [cols, rows])
        scalars.withUnsafeBufferPointer { x in
            out.scalars.withUnsafeMutableBufferPointer { y in
                for i in 0..<rows { for j in 0..<cols { y[j * rows + i] = x[i * cols + j] } }
            }
        }
        return out
    }
}
