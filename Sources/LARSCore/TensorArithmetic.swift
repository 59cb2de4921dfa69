// Element-wise arithmetic. These are conveniences for user code and tests; layers work on raw
// buffers through the kernel interface instead.

extension Tensor {
    @inline(__always)
    private static func zipped(_ lhs: Tensor, _ rhs: Tensor, _ op: String, _ f: (Float, Float) -> Float) -> Tensor {
        userPrecondition(lhs.shape == rhs.shape, "\(op): shapes \(lhs.shape) and \(rhs.shape) differ")
        var result = lhs
        result.scalars.withUnsafeMutableBufferPointer { r in
            rhs.scalars.withUnsafeBufferPointer { b in
                for i in 0..<r.count { r[i] = f(r[i], b[i]) }
            }
        }
        return result
    }

    /// Applies `f` to every element.
    public func map(_ f: (Float) -> Float) -> Tensor {
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { r in
            for i in 0..<r.count { r[i] = f(r[i]) }
        }
        return result
    }

    /// Element-wise sum of two tensors of the same shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { zipped(lhs, rhs, "+") { $0 + $1 } }
    /// Element-wise difference.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { zipped(lhs, rhs, "-") { $0 - $1 } }
    /// Element-wise product.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { zipped(lhs, rhs, "*") { $0 * $1 } }
    /// Element-wise quotient.
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor { zipped(lhs, rhs, "/") { $0 / $1 } }
    /// Adds a scalar to every element.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }
    /// Subtracts a scalar from every element.
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 - rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Multiplies every element by a scalar.
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }
    /// Divides every element by a scalar.
    public static func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 / rhs } }
    /// Negates every element.
    public static prefix func - (x: Tensor) -> Tensor { x.map { -$0 } }
    /// In-place element-wise sum.
    public static func += (lhs: inout Tensor, rhs: Tensor) { lhs = lhs + rhs }
    /// In-place element-wise difference.
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }

    /// Adds `bias` along `axis`: for NCHW feature maps use axis 1 (one value per channel), for an
    /// `(N, features)` matrix axis 1 as well. `bias.count` must equal `shape[axis]`.
    public func addingBias(_ bias: Tensor, axis: Int = 1) -> Tensor {
        userPrecondition(axis >= 0 && axis < rank, "addingBias: axis \(axis) out of range for shape \(shape)")
        userPrecondition(
            bias.count == shape[axis],
            "addingBias: bias has \(bias.count) elements, axis \(axis) of shape \(shape) has \(shape[axis])")
        let inner = shape[(axis + 1)...].reduce(1, *)
        let channels = shape[axis]
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { r in
            bias.scalars.withUnsafeBufferPointer { b in
                var i = 0
                let outer = count / Swift.max(channels * inner, 1)
                for _ in 0..<outer {
                    for c in 0..<channels {
                        let value = b[c]
                        for _ in 0..<inner { r[i] += value; i += 1 }
                    }
                }
            }
        }
        return result
    }
}
