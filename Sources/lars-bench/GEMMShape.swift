/// One matrix multiply as the kernels see it: `C (m x n) = op(A) (m x k) * op(B) (k x n)`,
/// row-major, with the transposes the caller asks for.
struct GEMMShape: Sendable {
    /// Where the shape comes from, such as `resnet20 stage1 conv fwd`.
    var label: String
    var transA: Bool
    var transB: Bool
    var m: Int
    var n: Int
    var k: Int

    /// Multiply-adds counted as two FLOPs.
    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    /// `M=16 N=131072 K=144`, with `A^T`/`B^T` when transposed.
    var description: String {
        "M=\(m) N=\(n) K=\(k)\(transA ? " A^T" : "")\(transB ? " B^T" : "")"
    }

    /// A square, untransposed product.
    static func square(_ size: Int) -> GEMMShape {
        GEMMShape(label: "square \(size)", transA: false, transB: false, m: size, n: size, k: size)
    }
}
