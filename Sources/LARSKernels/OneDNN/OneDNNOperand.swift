#if canImport(CDNNL)
import CDNNL

/// One operand of a oneDNN primitive: the caller's plain-layout (NCHW, OIHW or X) memory,
/// bound to a new pointer on every call, and the layout the primitive chose, with the reorder
/// between them when they differ.
///
/// Inputs are reordered plain -> chosen before the primitive runs, outputs chosen -> plain after
/// it. An accumulating output always has its own buffer and adds into the caller's storage (a
/// reorder with a `sum` post-op), which is how gradients accumulate across calls.
final class OneDNNOperand {
    /// Whether the primitive reads or writes the operand.
    enum Direction { case input, output, accumulatingOutput }

    /// Memory over the caller's storage.
    let user: OneDNNMemory
    /// The memory the primitive uses: `user` itself when no reorder is needed.
    let inner: OneDNNMemory
    private let reorder: OneDNNPrimitive?
    private let direction: Direction
    /// The caller pointer last reordered into `inner` (inputs only), so that a later primitive
    /// wanting the same operand in the same layout can skip the reorder.
    private(set) var loadedFrom: UnsafeRawPointer?

    /// An operand with caller layout `plain` and primitive layout `chosen`.
    init(plain: dnnl_memory_desc_t, chosen: dnnl_memory_desc_t, direction: Direction) {
        self.direction = direction
        user = OneDNNMemory(plain, owned: false)
        if direction != .accumulatingOutput && OneDNN.equal(plain, chosen) {
            inner = user
            reorder = nil
        } else {
            inner = OneDNNMemory(chosen, owned: true)
            reorder = direction == .input
                ? OneDNNPrimitive.reorder(from: plain, to: chosen)
                : OneDNNPrimitive.reorder(from: chosen, to: plain, accumulate: direction == .accumulatingOutput)
        }
    }

    /// Whether `chosen` is this operand's primitive layout (so it can be shared).
    func holds(_ chosen: dnnl_memory_desc_t) -> Bool { OneDNN.equal(inner.descriptor, chosen) }

    /// Binds an input and reorders it into the primitive's layout, unless `reuse` is set and
    /// `pointer` is what the inner buffer already holds.
    func load(_ pointer: UnsafeRawPointer, stream: OneDNNStream, reuse: Bool = false) {
        user.bind(pointer)
        guard let reorder else { return }
        if reuse && loadedFrom == pointer { return }
        reorder.execute(stream.handle, [(DNNL_ARG_FROM, user), (DNNL_ARG_TO, inner)])
        loadedFrom = pointer
    }

    /// Binds an output's destination before the primitive writes it.
    func bind(_ pointer: UnsafeMutableRawPointer) {
        user.bind(pointer)
    }

    /// Moves an output from the primitive's layout to the caller's (adding, if accumulating).
    func store(stream: OneDNNStream) {
        guard let reorder else { return }
        reorder.execute(stream.handle, [(DNNL_ARG_FROM, inner), (DNNL_ARG_TO, user)])
    }
}
#endif
