import LARSCore

/// One parameter as an optimizer sees it: its name, its group's index and the shared object.
struct ParameterSlot {
    let name: String
    let group: Int
    let parameter: Parameter
}

/// Flattens groups into slots, checking that every parameter appears once (by identity and by
/// name, since names key the checkpoint entries).
func makeSlots(_ groups: [ParameterGroup], optimizer: String) -> [ParameterSlot] {
    var slots: [ParameterSlot] = []
    var names = Set<String>()
    var objects = Set<ObjectIdentifier>()
    for (g, group) in groups.enumerated() {
        for named in group.parameters {
            userPrecondition(
                names.insert(named.name).inserted,
                "\(optimizer): parameter name \(named.name) appears twice in the groups")
            userPrecondition(
                objects.insert(ObjectIdentifier(named.parameter)).inserted,
                "\(optimizer): parameter \(named.name) is listed twice (same object under another name)")
            slots.append(ParameterSlot(name: named.name, group: g, parameter: named.parameter))
        }
    }
    return slots
}

/// One optimizer state (a momentum buffer, an Adam moment) for every slot, in one contiguous,
/// 64-byte-aligned buffer laid out like a `ParameterStore`: slot `i` at `offsets[i]`, each start
/// a multiple of `ParameterStore.alignment`. When the slots are a bound model's parameters in
/// order, that is exactly the layout of the model's store.
final class StateBuffer {
    /// Where each slot's elements start.
    let offsets: [Int]
    /// Each slot's shape (for checkpoint entries).
    let shapes: [[Int]]
    /// Elements in the buffer, padding included.
    let count: Int
    private let storage: UnsafeMutablePointer<Float>

    /// A zeroed buffer for `slots`.
    init(slots: [ParameterSlot]) {
        var offsets: [Int] = []
        var total = 0
        for slot in slots {
            offsets.append(total)
            total += ParameterStore.paddedCount(slot.parameter.count)
        }
        self.offsets = offsets
        self.shapes = slots.map(\.parameter.shape)
        self.count = total
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1) * MemoryLayout<Float>.stride, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: max(total, 1))
    }

    deinit { storage.deallocate() }

    /// The first element of slot `index`.
    @inline(__always)
    func pointer(_ index: Int) -> UnsafeMutablePointer<Float> { storage + offsets[index] }

    /// Writes each slot's part as the tensor `<prefix>.<parameter name>`.
    func export(prefix: String, slots: [ParameterSlot], into state: inout OptimizerState) {
        for (index, slot) in slots.enumerated() {
            let part = UnsafeBufferPointer(start: pointer(index), count: slot.parameter.count)
            state.tensors["\(prefix).\(slot.name)"] = Tensor(shape: shapes[index], scalars: Array(part))
        }
    }

    /// Reads the parts written by `export` into a new buffer, checking presence and shape; also
    /// rejects entries under `prefix` that belong to no slot, which would mean the checkpoint
    /// came from another model.
    static func read(
        from state: OptimizerState, prefix: String, slots: [ParameterSlot], optimizer: String
    ) throws -> StateBuffer {
        let buffer = StateBuffer(slots: slots)
        var expectedKeys = Set<String>()
        for (index, slot) in slots.enumerated() {
            let key = "\(prefix).\(slot.name)"
            expectedKeys.insert(key)
            guard let tensor = state.tensors[key] else {
                throw OptimizerError.missingStateEntry(optimizer: optimizer, key: key)
            }
            guard tensor.shape == slot.parameter.shape else {
                throw OptimizerError.stateShapeMismatch(
                    optimizer: optimizer, key: key, expected: slot.parameter.shape, found: tensor.shape)
            }
            tensor.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { buffer.pointer(index).update(from: base, count: source.count) }
            }
        }
        for key in state.tensors.keys.sorted() where key.hasPrefix(prefix + ".") && !expectedKeys.contains(key) {
            throw OptimizerError.unexpectedStateEntry(optimizer: optimizer, key: key)
        }
        return buffer
    }
}

/// Reads a non-negative integer counter.
func importCounter(from state: OptimizerState, key: String, optimizer: String) throws -> Int {
    guard let value = state.scalars[key] else {
        throw OptimizerError.missingStateEntry(optimizer: optimizer, key: key)
    }
    guard value >= 0, value == value.rounded(), value < 9.0e15 else {
        throw OptimizerError.invalidStateValue(optimizer: optimizer, key: key, value: value)
    }
    return Int(value)
}
