#if canImport(CDNNL)
import CDNNL
import Glibc

/// The process's oneDNN CPU engine and the small helpers every oneDNN primitive here shares.
///
/// oneDNN objects are C handles; wrappers own them and destroy them in `deinit`. A failing call
/// is a bug in this package (the shapes were validated by the layer), so it traps with the
/// call's name and oneDNN's status.
enum OneDNN {
    /// The CPU engine, created once; oneDNN engines are safe to share between threads.
    nonisolated(unsafe) static let engine: dnnl_engine_t = {
        var engine: dnnl_engine_t?
        check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
        return engine!
    }()

    /// Traps with `what` when `status` is not success.
    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) {
        if status != dnnl_success { fatalError("oneDNN: \(what()) failed with status \(status.rawValue)") }
    }

    /// A float32 memory descriptor of `dims` in layout `tag` (`dnnl_format_tag_any` lets a
    /// primitive choose).
    static func descriptor(_ dims: [Int], _ tag: dnnl_format_tag_t) -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory_desc_init \(dims)")
        return md
    }

    /// oneDNN's format tag for a rank-4 tensor stored as `layout`.
    static func tag(_ layout: TensorLayout) -> dnnl_format_tag_t {
        switch layout.channelBlock {
        case nil: return dnnl_nchw
        case 8: return dnnl_nChw8c
        case 16: return dnnl_nChw16c
        case let b?: fatalError("oneDNN: no format tag for a channel block of \(b)")
        }
    }

    /// The channel-blocked `TensorLayout` that `md` (a rank-4 descriptor of `dims`) is, if it is
    /// `nChw8c` or `nChw16c` and the channels fill whole blocks; `nil` for any other layout.
    static func channelBlockedLayout(of md: dnnl_memory_desc_t, dims: [Int]) -> TensorLayout? {
        for b in [8, 16] where dims[1] % b == 0 {
            let layout = TensorLayout.channelBlocked(b)
            if equal(md, descriptor(dims, tag(layout))) { return layout }
        }
        return nil
    }

    /// Whether two descriptors describe the same layout.
    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var (a, b) = (a, b)
        return dnnl_memory_desc_equal(&a, &b) != 0
    }

    /// The descriptor a primitive descriptor reports for `what`.
    static func query(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, 0).pointee
    }

    /// Sets the calling thread's OpenMP thread count, which oneDNN's primitives run on. OpenMP
    /// keeps it per calling thread, so each `DataParallel` replica sets its own share.
    static func setThreads(_ threads: Int) {
        _ = lars_dnnl_set_omp_threads(Int32(max(1, threads)))
    }
}

/// Owned 64-byte-aligned float32 storage for a oneDNN memory object.
final class OneDNNBuffer {
    /// The storage, `bytes` long.
    let pointer: UnsafeMutableRawPointer
    /// Its size in bytes.
    let bytes: Int

    /// Allocates `bytes` (at least 64).
    init(bytes: Int) {
        self.bytes = max(64, bytes)
        pointer = UnsafeMutableRawPointer.allocate(byteCount: self.bytes, alignment: 64)
    }

    deinit { pointer.deallocate() }
}

/// A oneDNN memory object over either caller-provided storage (bound per call) or its own buffer.
final class OneDNNMemory {
    /// The handle.
    let handle: dnnl_memory_t
    /// Its descriptor.
    let descriptor: dnnl_memory_desc_t
    /// Its own storage, or `nil` when the caller binds a pointer before each use.
    let buffer: OneDNNBuffer?

    /// A memory object of `descriptor`; `owned` allocates storage for it.
    init(_ descriptor: dnnl_memory_desc_t, owned: Bool) {
        var md = descriptor
        self.descriptor = descriptor
        buffer = owned ? OneDNNBuffer(bytes: dnnl_memory_desc_get_size(&md)) : nil
        var memory: dnnl_memory_t?
        OneDNN.check(dnnl_memory_create(&memory, &md, OneDNN.engine, buffer?.pointer), "dnnl_memory_create")
        handle = memory!
    }

    /// Points the memory object at caller storage for the next execution.
    func bind(_ pointer: UnsafeRawPointer) {
        OneDNN.check(dnnl_memory_set_data_handle(handle, UnsafeMutableRawPointer(mutating: pointer)), "set_data_handle")
    }

    deinit { dnnl_memory_destroy(handle) }
}

/// One oneDNN primitive with its descriptor, executed on a stream with argument lists.
final class OneDNNPrimitive {
    /// The primitive descriptor (queried for memory layouts).
    let descriptor: dnnl_primitive_desc_t
    /// The primitive.
    let handle: dnnl_primitive_t

    /// Creates the primitive for operation descriptor `op` (with a user-managed scratchpad),
    /// given the forward primitive descriptor `hint` for a backward operation.
    convenience init<Op>(_ op: inout Op, hint: dnnl_primitive_desc_t?, _ what: String) {
        var attr: dnnl_primitive_attr_t?
        OneDNN.check(dnnl_primitive_attr_create(&attr), "attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        OneDNN.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad_mode")
        var pd: dnnl_primitive_desc_t?
        // A typed pointer to the C descriptor struct: `&op` straight to `const void *` would let
        // the generic `Op` be anything, including a class reference.
        withUnsafePointer(to: &op) { descriptor in
            OneDNN.check(dnnl_primitive_desc_create(&pd, descriptor, attr, OneDNN.engine, hint), "primitive_desc_create \(what)")
        }
        self.init(pd!, what)
    }

    /// Creates the primitive from `descriptor`, taking ownership of it.
    init(_ descriptor: dnnl_primitive_desc_t, _ what: String) {
        self.descriptor = descriptor
        var primitive: dnnl_primitive_t?
        OneDNN.check(dnnl_primitive_create(&primitive, descriptor), "primitive_create \(what)")
        handle = primitive!
    }

    /// A reorder from `source` to `target` layout; `accumulate` adds into the target
    /// (`sum` post-op) instead of overwriting it.
    static func reorder(from source: dnnl_memory_desc_t, to target: dnnl_memory_desc_t, accumulate: Bool = false)
        -> OneDNNPrimitive
    {
        var (s, t) = (source, target)
        var attr: dnnl_primitive_attr_t?
        OneDNN.check(dnnl_primitive_attr_create(&attr), "attr_create")
        defer { dnnl_primitive_attr_destroy(attr) }
        if accumulate {
            var ops: dnnl_post_ops_t?
            OneDNN.check(dnnl_post_ops_create(&ops), "post_ops_create")
            defer { dnnl_post_ops_destroy(ops) }
            OneDNN.check(dnnl_post_ops_append_sum(ops, 1), "append_sum")
            OneDNN.check(dnnl_primitive_attr_set_post_ops(attr, ops), "set_post_ops")
        }
        var pd: dnnl_primitive_desc_t?
        OneDNN.check(
            dnnl_reorder_primitive_desc_create(&pd, &s, OneDNN.engine, &t, OneDNN.engine, attr), "reorder_desc")
        return OneDNNPrimitive(pd!, "reorder")
    }

    /// Runs the primitive on `stream` with `(argument, memory)` pairs and waits for it.
    func execute(_ stream: dnnl_stream_t, _ arguments: [(Int32, OneDNNMemory)]) {
        let args = arguments.map { dnnl_exec_arg_t(arg: $0.0, memory: $0.1.handle) }
        OneDNN.check(dnnl_primitive_execute(handle, stream, Int32(args.count), args), "primitive_execute")
        OneDNN.check(dnnl_stream_wait(stream), "stream_wait")
    }

    deinit {
        dnnl_primitive_destroy(handle)
        dnnl_primitive_desc_destroy(descriptor)
    }
}

/// A primitive's user-managed scratchpad: its own buffer, allocated when the primitive is made.
final class OneDNNScratchpad {
    /// The memory passed as `DNNL_ARG_SCRATCHPAD`.
    let memory: OneDNNMemory

    /// The scratchpad that primitive descriptor `pd` asks for.
    init(for pd: dnnl_primitive_desc_t) {
        memory = OneDNNMemory(OneDNN.query(pd, dnnl_query_scratchpad_md), owned: true)
    }
}

/// A oneDNN stream, owned by one convolution cache so that concurrent replicas never share one.
final class OneDNNStream {
    /// The handle.
    let handle: dnnl_stream_t

    init() {
        var stream: dnnl_stream_t?
        OneDNN.check(
            dnnl_stream_create(&stream, OneDNN.engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream_create")
        handle = stream!
    }

    deinit { dnnl_stream_destroy(handle) }
}
#endif
