#if canImport(CDNNL)
import CDNNL
#endif

/// oneDNN primitives (plans) for the shapes and modes one layer sees, created on first use of
/// each key and reused, with the stream they run on; used by BatchNorm and the pooling layers.
///
/// Owned by the layer, so each `DataParallel` replica has its own (and its own stream) and never
/// shares one with another thread. The least recently used plan is dropped beyond `capacity`,
/// since each may hold activation-sized buffers (workspaces).
public final class OneDNNPrimitiveCache: @unchecked Sendable {
    /// Plans, most recently used last.
    private var entries: [(key: AnyHashable, plan: AnyObject)] = []
    /// Plans kept at once.
    public let capacity: Int

    #if canImport(CDNNL)
        /// The stream every plan of this cache runs on.
        lazy var stream = OneDNNStream()
    #endif

    /// An empty cache keeping at most `capacity` plans (training batch, its last partial batch,
    /// evaluation batches, in each mode).
    public init(capacity: Int = 6) {
        self.capacity = max(1, capacity)
    }

    /// The plan for `key`, made by `make` on first use.
    func plan<Plan: AnyObject>(_ key: AnyHashable, make: () -> Plan) -> Plan {
        if let index = entries.firstIndex(where: { $0.key == key }), let plan = entries[index].plan as? Plan {
            let entry = entries.remove(at: index)
            entries.append(entry)
            return plan
        }
        let plan = make()
        if entries.count >= capacity { entries.removeFirst() }
        entries.append((key, plan))
        return plan
    }

    /// How many keys have primitives (for tests of reuse).
    public var shapeCount: Int { entries.count }
}
