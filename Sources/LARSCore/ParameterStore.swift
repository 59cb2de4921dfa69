/// One contiguous buffer of parameter values and one of gradients with the same layout, which
/// every `Parameter` views at its own offset (as llm.c keeps all of GPT-2's weights in one array).
///
/// Why: with the parameters of a model side by side, summing gradients over MPI ranks is one
/// all-reduce on `gradients`, giving a replica the weights is one copy of `values`, adding a
/// replica's gradients is one `axpy`, and zeroing them is one fill.
///
/// A parameter made on its own gets a small store of its own; `bind(_:)` (called by the model
/// builders, `DataParallel` and `Trainer` through `Layer.bindParameters()`) moves a model's
/// parameters into one store. Each parameter starts at a multiple of `alignment` elements (64
/// bytes), so kernels see cache-line-aligned tensors; the padding between them is zero in both
/// buffers and stays zero, because every whole-buffer operation maps zeros to zeros.
///
/// Pointers into a store stay valid while the store lives; a parameter keeps its store alive,
/// and rebinding it moves it to another store, so do not keep pointers across a `bind`.
public final class ParameterStore {
    /// Elements per alignment unit: 16 Floats, one 64-byte cache line.
    public static let alignment = 16

    /// Elements in each buffer, padding included.
    public let count: Int
    /// How many parameters were placed in this store when it was made.
    public let memberCount: Int
    /// The values, `count` Floats, 64-byte aligned.
    public let values: UnsafeMutablePointer<Float>
    /// The gradients, in the same layout as `values`.
    public let gradients: UnsafeMutablePointer<Float>

    /// A zeroed store of `count` elements per buffer for `memberCount` parameters.
    init(count: Int, memberCount: Int) {
        self.count = count
        self.memberCount = memberCount
        let bytes = max(count, 1) * MemoryLayout<Float>.stride
        values = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        gradients = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    /// `n` rounded up to a whole number of alignment units.
    public static func paddedCount(_ n: Int) -> Int {
        (n + alignment - 1) / alignment * alignment
    }

    /// All values, for whole-model operations (a broadcast, a replica's weight copy).
    public var valueBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: values, count: count) }
    /// All gradients, for whole-model operations (an all-reduce, a replica's gradient sum).
    public var gradientBuffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: gradients, count: count) }

    /// Sets every gradient to zero: one fill.
    public func zeroGradients() {
        gradients.update(repeating: 0, count: count)
    }

    /// Moves `parameters` (duplicates ignored) into one new store, in order, keeping their values
    /// and gradients, and returns it. When they already fill one store exactly, in this order,
    /// nothing moves and that store is returned.
    @discardableResult
    public static func bind(_ parameters: [Parameter]) -> ParameterStore {
        var seen = Set<ObjectIdentifier>()
        let unique = parameters.filter { seen.insert(ObjectIdentifier($0)).inserted }
        if let store = shared(by: unique), isInOrder(unique) { return store }
        let total = unique.reduce(0) { $0 + paddedCount($1.count) }
        let store = ParameterStore(count: total, memberCount: unique.count)
        var offset = 0
        for parameter in unique {
            (store.values + offset).update(from: parameter.store.values + parameter.offset, count: parameter.count)
            (store.gradients + offset).update(from: parameter.store.gradients + parameter.offset, count: parameter.count)
            parameter.move(to: store, offset: offset)
            offset += paddedCount(parameter.count)
        }
        return store
    }

    /// The store that `parameters` fill exactly (every one lives in it, none twice, and no other
    /// parameter was placed in it), or `nil`. Whole-buffer operations on the result touch exactly
    /// these parameters.
    public static func shared(by parameters: [Parameter]) -> ParameterStore? {
        guard let store = parameters.first?.store, parameters.count == store.memberCount else { return nil }
        var seen = Set<ObjectIdentifier>()
        for parameter in parameters {
            guard parameter.store === store, seen.insert(ObjectIdentifier(parameter)).inserted else { return nil }
        }
        return store
    }

    /// Whether two lists of parameters lie at the same offsets of stores of the same size, so that
    /// a whole-buffer copy or sum from one to the other pairs each parameter with its twin.
    public static func sameLayout(_ a: [Parameter], _ b: [Parameter]) -> Bool {
        guard a.count == b.count, let sa = shared(by: a), let sb = shared(by: b), sa.count == sb.count else { return false }
        return zip(a, b).allSatisfy { $0.offset == $1.offset && $0.shape == $1.shape }
    }

    private static func isInOrder(_ parameters: [Parameter]) -> Bool {
        var expected = 0
        for parameter in parameters {
            guard parameter.offset == expected else { return false }
            expected += paddedCount(parameter.count)
        }
        return true
    }
}
