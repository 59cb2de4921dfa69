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
            precondition(
                names.insert(named.name).inserted,
                "\(optimizer): parameter name \(named.name) appears twice in the groups")
            precondition(
                objects.insert(ObjectIdentifier(named.parameter)).inserted,
                "\(optimizer): parameter \(named.name) is listed twice (same object under another name)")
            precondition(
                named.parameter.grad.shape == named.parameter.value.shape,
                "\(optimizer): parameter \(named.name) has value shape \(named.parameter.value.shape) but gradient shape \(named.parameter.grad.shape)")
            slots.append(ParameterSlot(name: named.name, group: g, parameter: named.parameter))
        }
    }
    return slots
}

/// Zero buffers shaped like each slot's parameter.
func zeroBuffers(for slots: [ParameterSlot]) -> [Tensor] {
    slots.map { Tensor(zeros: $0.parameter.value.shape) }
}

/// Writes per-slot buffers as `<prefix>.<parameter name>`.
func exportBuffers(_ buffers: [Tensor], prefix: String, slots: [ParameterSlot], into state: inout OptimizerState) {
    for (slot, buffer) in zip(slots, buffers) {
        state.tensors["\(prefix).\(slot.name)"] = buffer
    }
}

/// Reads per-slot buffers written by `exportBuffers`, checking presence and shape; also rejects
/// entries under `prefix` that belong to no slot, which would mean the checkpoint came from
/// another model.
func importBuffers(
    from state: OptimizerState, prefix: String, slots: [ParameterSlot], optimizer: String
) throws -> [Tensor] {
    var result: [Tensor] = []
    result.reserveCapacity(slots.count)
    var expectedKeys = Set<String>()
    for slot in slots {
        let key = "\(prefix).\(slot.name)"
        expectedKeys.insert(key)
        guard let tensor = state.tensors[key] else {
            throw OptimizerError.missingStateEntry(optimizer: optimizer, key: key)
        }
        guard tensor.shape == slot.parameter.value.shape else {
            throw OptimizerError.stateShapeMismatch(
                optimizer: optimizer, key: key, expected: slot.parameter.value.shape, found: tensor.shape)
        }
        result.append(tensor)
    }
    for key in state.tensors.keys.sorted() where key.hasPrefix(prefix + ".") && !expectedKeys.contains(key) {
        throw OptimizerError.unexpectedStateEntry(optimizer: optimizer, key: key)
    }
    return result
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
