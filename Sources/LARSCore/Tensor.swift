/// An n-dimensional array of `Float` with value semantics, read in row-major order.
///
/// Images are NCHW (batch, channels, height, width), matrices (rows, columns). The storage is a
/// Swift array, so copies are cheap until one side is mutated (copy-on-write) and the type is
/// `Sendable`. Kernels reach it through `withUnsafeBufferPointer` and
/// `withUnsafeMutableBufferPointer`.
///
/// Between oneDNN layers an image tensor may be stored in oneDNN's channel-blocked order
/// (`layout`, see `TensorLayout`); every element access still sees row-major NCHW, reordering
/// on the way (`scalars`, subscripts, `withUnsafeBufferPointer`), and a mutable access first
/// turns the tensor plain. Layout-aware kernels use `withUnsafeStorage`.
public struct Tensor: Sendable, CustomStringConvertible {
    /// The size of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// The order of `storage`: `plain` unless a oneDNN layer produced the tensor.
    public internal(set) var layout: TensorLayout
    /// The elements in `layout`'s order; `storage.count == shape.reduce(1, *)`.
    @usableFromInline var storage: [Float]

    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`. Reading it from a
    /// blocked tensor reorders a copy (read it once, not per element); writing turns the tensor
    /// plain.
    public var scalars: [Float] {
        get { layout == .plain ? storage : plainStorage() }
        set {
            storage = newValue
            layout = .plain
        }
        _modify {
            makePlain()
            yield &storage
        }
    }

    /// Wraps `scalars` with the given shape; the counts must agree.
    /// - Parameters:
    ///   - shape: the dimensions, outermost first (`[N, C, H, W]` for a batch of images).
    ///   - scalars: `shape.reduce(1, *)` values in row-major (C) order: the last dimension varies
    ///     fastest.
    public init(shape: [Int], scalars: [Float]) {
        userPrecondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        let count = shape.reduce(1, *)
        userPrecondition(
            count == scalars.count,
            "Tensor shape \(shape) holds \(count) elements but \(scalars.count) were given")
        self.shape = shape
        self.layout = .plain
        self.storage = scalars
    }

    /// Wraps `storage`, ordered as `layout` says, with the given shape; the counts must agree
    /// and the layout must fit the shape (`TensorLayout.fits`).
    public init(shape: [Int], layout: TensorLayout, storage: [Float]) {
        self.init(shape: shape, scalars: storage)
        userPrecondition(layout.fits(shape), "Tensor shape \(shape) cannot be stored as \(layout)")
        self.layout = layout
    }

    /// A tensor of `shape` with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        userPrecondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        self.shape = shape
        self.layout = .plain
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A one-dimensional tensor holding `values`.
    public init(_ values: [Float]) { self.init(shape: [values.count], scalars: values) }

    /// Uniform samples in `[lower, upper)` drawn from `generator`.
    public init(uniform shape: [Int], lower: Float = 0, upper: Float = 1, generator: inout SeededGenerator) {
        self.init(zeros: shape)
        for i in scalars.indices { scalars[i] = generator.nextFloat(in: lower, upper) }
    }

    /// Normal samples with the given mean and standard deviation drawn from `generator`.
    public init(normal shape: [Int], mean: Float = 0, standardDeviation: Float = 1, generator: inout SeededGenerator) {
        self.init(zeros: shape)
        for i in scalars.indices { scalars[i] = mean + standardDeviation * generator.nextNormal() }
    }

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions.
    @inlinable public var rank: Int { shape.count }

    /// The same elements viewed with another shape of equal element count. One dimension may be
    /// `-1` and is then inferred.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let unknown = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
            userPrecondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            resolved[unknown] = count / known
        }
        userPrecondition(
            resolved.reduce(1, *) == count,
            "cannot reshape a tensor of shape \(shape) (\(count) elements) to \(newShape)")
        return Tensor(shape: resolved, scalars: scalars)
    }

    /// Reshapes in place (see `reshaped(_:)`).
    public mutating func reshape(_ newShape: [Int]) { self = reshaped(newShape) }

    /// Items `range` along the first (batch) dimension.
    public func batch(_ range: Range<Int>) -> Tensor {
        userPrecondition(rank >= 1, "batch(_:) needs a tensor of rank >= 1, got shape \(shape)")
        userPrecondition(
            range.lowerBound >= 0 && range.upperBound <= shape[0],
            "batch range \(range) outside 0..<\(shape[0]) of shape \(shape)")
        let itemSize = count / Swift.max(shape[0], 1)
        var newShape = shape
        newShape[0] = range.count
        // Both layouts keep each image contiguous, so the slice keeps the layout.
        let slice = Array(storage[(range.lowerBound * itemSize)..<(range.upperBound * itemSize)])
        return Tensor(shape: newShape, layout: layout, storage: slice)
    }

    /// The tensors stacked along the first (batch) dimension: `[n1, rest] ++ [n2, rest]` gives
    /// `[n1 + n2, rest]`. Every part must have the same `rest`; the inverse of `batch(_:)`.
    public init(concatenatingBatches parts: [Tensor]) {
        userPrecondition(!parts.isEmpty, "Tensor(concatenatingBatches:) needs at least one part")
        let rest = Array(parts[0].shape.dropFirst())
        userPrecondition(parts[0].rank >= 1, "Tensor(concatenatingBatches:) needs tensors of rank >= 1, got shape \(parts[0].shape)")
        var total = 0
        for part in parts {
            userPrecondition(
                part.rank >= 1 && Array(part.shape.dropFirst()) == rest,
                "Tensor(concatenatingBatches:) parts differ beyond the batch dimension: \(parts.map(\.shape))")
            total += part.shape[0]
        }
        // Parts that share a layout are joined as stored; mixed ones in row-major order.
        let layout = parts.allSatisfy { $0.layout == parts[0].layout } ? parts[0].layout : .plain
        var storage: [Float] = []
        storage.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { storage.append(contentsOf: layout == .plain ? part.scalars : part.storage) }
        self.init(shape: [total] + rest, layout: layout, storage: storage)
    }

    /// The element at a multi-dimensional index (bounds-checked; not for hot loops).
    public subscript(index: Int...) -> Float {
        get { storage[storageIndex(index)] }
        set { storage[storageIndex(index)] = newValue }
    }

    /// Where the element at `index` (row-major coordinates) lives in `storage`.
    private func storageIndex(_ index: [Int]) -> Int {
        userPrecondition(index.count == rank, "index \(index) has rank \(index.count), tensor shape is \(shape)")
        var flat = 0
        for (axis, i) in index.enumerated() {
            userPrecondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
            flat = flat * shape[axis] + i
        }
        guard let b = layout.channelBlock else { return flat }
        let (n, c, h, w) = (index[0], index[1], index[2], index[3])
        let (channels, height, width) = (shape[1], shape[2], shape[3])
        return (((n * (channels / b) + c / b) * height + h) * width + w) * b + c % b
    }

    /// Sets every element to `value`, keeping the storage and its layout.
    public mutating func fill(_ value: Float) {
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: value)
        }
    }

    /// Read access to the elements in row-major order for kernels: on a blocked tensor a
    /// reordered copy of the whole tensor, made on every call, so call it once per pass.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        if layout == .plain { return try storage.withUnsafeBufferPointer(body) }
        return try plainStorage().withUnsafeBufferPointer(body)
    }

    /// Write access to the elements in row-major order for kernels; a blocked tensor is made
    /// plain first.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makePlain()
        return try storage.withUnsafeMutableBufferPointer(body)
    }

    /// Read access to the storage as it is, in `layout`'s order, for layout-aware kernels.
    @inlinable
    public func withUnsafeStorage<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Write access to the storage as it is, in `layout`'s order, for layout-aware kernels.
    @inlinable
    public mutating func withUnsafeMutableStorage<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// `Tensor(shape: [2, 3], first elements...)`, abbreviated after 8 elements.
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", ..." : "")])"
    }
}
