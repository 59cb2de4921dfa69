// Allocation helpers for layers: outputs that are about to be fully overwritten need not be
// zero-filled first, which saves a memory pass per layer per step.

extension Tensor {
    /// A tensor of `shape`, stored as `layout`, whose elements are unspecified; the caller
    /// overwrites all of them.
    @inlinable
    static func uninitialized(_ shape: [Int], layout: TensorLayout = .plain) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        return Tensor(shape: shape, layout: layout, storage: scalars)
    }
}
