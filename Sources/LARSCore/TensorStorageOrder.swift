// A tensor's storage order: turning a tensor into another layout, and equality by element.

extension Tensor {
    /// The same tensor stored in `layout`: `self` when it already is, a reordered copy otherwise.
    /// The layout must fit the shape (`TensorLayout.fits`: rank 4, `C` a multiple of the block).
    public func stored(as layout: TensorLayout) -> Tensor {
        if layout == self.layout { return self }
        userPrecondition(layout.fits(shape), "Tensor shape \(shape) cannot be stored as \(layout)")
        guard let b = layout.channelBlock else { return Tensor(shape: shape, scalars: plainStorage()) }
        let plain = self.layout == .plain ? storage : plainStorage()
        return Tensor(shape: shape, layout: layout, storage: reordered(plain, block: b, by: reorderPlainToChannelBlocked))
    }

    /// The elements in row-major order, reordered from a blocked storage.
    @usableFromInline
    func plainStorage() -> [Float] {
        guard let b = layout.channelBlock else { return storage }
        return reordered(storage, block: b, by: reorderChannelBlockedToPlain)
    }

    /// A new array holding `source` (this tensor's `[N, C, H, W]` elements) moved by `reorder`,
    /// one of the two reorders of `TensorLayout.swift`, with channel block `block`.
    private func reordered(
        _ source: [Float], block: Int,
        by reorder: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int, Int) -> Void
    ) -> [Float] {
        let count = self.count
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            source.withUnsafeBufferPointer { from in
                if count > 0 {
                    reorder(from.baseAddress!, buffer.baseAddress!, shape[0], shape[1], shape[2] * shape[3], block)
                }
            }
            initialized = count
        }
    }

    /// Reorders the storage to row-major order in place (nothing when it already is).
    @usableFromInline
    mutating func makePlain() {
        guard layout != .plain else { return }
        storage = plainStorage()
        layout = .plain
    }
}

extension Tensor: Equatable {
    /// Equal shapes and equal elements in row-major order, whatever the layouts.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.layout == rhs.layout { return lhs.storage == rhs.storage }
        return lhs.scalars == rhs.scalars
    }
}
