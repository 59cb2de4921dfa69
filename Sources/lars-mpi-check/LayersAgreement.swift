import LARSCore
import LARSDistributed
import LARSNN
import LARSOptimizers
import LARSTraining

/// The agreement check with the library's own pieces instead of the inline ones: a LARSNN
/// `Sequential` of `Dense`/`ReLU` layers (with `batchNorm`, a BatchNorm after the first Dense,
/// local or synchronised over the ranks), `softmaxCrossEntropy`, and
/// `LARSOptimizers.LARS` over `ParameterGroup.byKind`, whose trust ratios are then taken on the
/// all-reduced (global) gradient. Rank 0 repeats the run in one process on the whole batch and
/// compares. Returns true when the weights agree.
func runLayersAgreement(_ settings: AgreementSettings, group: MPIProcessGroup) throws -> Bool {
    guard settings.batch >= group.size else {
        throw ValidationFailure("--batch \(settings.batch) is smaller than the \(group.size) ranks: some would get no rows")
    }
    let data = SyntheticData(
        count: settings.steps * settings.batch, inputs: settings.inputs, classes: settings.classes, seed: settings.seed)
    let context = ExecutionContext(threads: 1)
    let model = try trainLayersDataParallel(data, settings, group: group, context: context)
    // With BatchNorm the running statistics are compared too: synchronised, they are the
    // whole batch's on every rank.
    let weights = parametersAndBuffers(model)
    let spread = try rankSpread(weights, group: group)
    guard group.rank == 0 else { return true }

    let reference = makeLayersModel(settings, seed: settings.seed)
    let referenceOptimizer = makeLayersOptimizer(reference)
    for step in 0..<settings.steps {
        try layersStep(
            reference, referenceOptimizer, data, first: step * settings.batch, rows: settings.batch, share: 1,
            context: context) { _ in }
    }
    let layers = settings.batchNorm
        ? "Dense/BatchNorm(\(settings.syncBatchNorm ? "synchronised" : "local statistics"))/ReLU" : "Dense/ReLU"
    print("model: LARSNN \(layers) + LARSOptimizers.LARS, ranks: \(group.size), steps: \(settings.steps), "
        + "global batch: \(settings.batch), parameters and buffers: \(weights.count)"
        + (settings.skipAllReduce ? ", allreduce SKIPPED (negative control)" : ""))
    return reportAgreement(
        weights, reference: parametersAndBuffers(reference), spread: spread, tolerance: settings.tolerance)
}

/// Trains this rank's model on its share of every step, gradients summed over the ranks
/// through one flat buffer (unless `skipAllReduce`), BatchNorm synchronised if asked.
private func trainLayersDataParallel(
    _ data: SyntheticData, _ settings: AgreementSettings, group: MPIProcessGroup, context: ExecutionContext
) throws -> Sequential {
    // A different seed per rank, so that only the broadcast makes the starting points equal.
    let model = makeLayersModel(settings, seed: settings.seed &+ UInt64(group.rank))
    for p in model.namedParameters {
        try p.parameter.value.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
    }
    if settings.syncBatchNorm {
        model.setBatchStatisticsReducer(ProcessGroupStatisticsReducer(group: group))
    }
    let rows = shard(batch: settings.batch, rank: group.rank, size: group.size)
    let optimizer = makeLayersOptimizer(model)
    let parameters = model.namedParameters.map(\.parameter)
    var flat = [Float](repeating: 0, count: parameters.reduce(0) { $0 + $1.value.count })
    for step in 0..<settings.steps {
        try layersStep(
            model, optimizer, data, first: step * settings.batch + rows.lowerBound, rows: rows.count,
            share: Float(rows.count) / Float(settings.batch), context: context) { parameters in
                // One allreduce over one flat buffer of every gradient, as the trainer does.
                copyGradients(parameters, into: &flat)
                if !settings.skipAllReduce {
                    try flat.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
                }
                copyGradients(from: flat, into: parameters)
            }
    }
    return model
}

private func makeLayersOptimizer(_ model: Sequential) -> LARS {
    LARS(groups: ParameterGroup.byKind(model.namedParameters, weightDecay: 5e-4),
         options: LARS.Options(trustCoefficient: 0.01))
}

/// Every parameter's values, then every buffer's (BatchNorm's running statistics), flat.
private func parametersAndBuffers(_ model: Sequential) -> [Float] {
    model.namedParameters.flatMap(\.parameter.value.scalars) + model.namedBuffers.flatMap(\.buffer.value.scalars)
}

private func makeLayersModel(_ settings: AgreementSettings, seed: UInt64) -> Sequential {
    var generator = SeededGenerator(seed: seed)
    let model = Sequential([
        ("fc1", Dense(inputCount: settings.inputs, outputCount: settings.hidden, generator: &generator)),
    ])
    if settings.batchNorm { model.append("bn", BatchNorm(featureCount: settings.hidden)) }
    model.append("relu", ReLU())
    model.append("fc2", Dense(inputCount: settings.hidden, outputCount: settings.classes, generator: &generator))
    return model
}

/// Forward, backward with the loss gradient scaled by `share` (this shard's rows / global
/// batch, so that the sum over ranks is the global mean's gradient), `reduce`, LARS step.
private func layersStep(
    _ model: Sequential, _ optimizer: LARS, _ data: SyntheticData, first: Int, rows: Int, share: Float,
    context: ExecutionContext, reduce: ([Parameter]) throws -> Void
) throws {
    let x = Tensor(shape: [rows, data.inputs], scalars: Array(data.x[(first * data.inputs)..<((first + rows) * data.inputs)]))
    let labels = data.labels[first..<(first + rows)].map { Int($0) }
    model.zeroGrad()
    let logits = model.forward(x, context: context)
    let (_, gradient) = softmaxCrossEntropy(logits: logits, labels: labels)
    _ = model.backward(gradient * share, context: context)
    try reduce(model.namedParameters.map(\.parameter))
    try optimizer.step(learningRate: 0.5, context: context)
}

private func copyGradients(_ parameters: [Parameter], into flat: inout [Float]) {
    var offset = 0
    for p in parameters {
        for (i, g) in p.grad.scalars.enumerated() { flat[offset + i] = g }
        offset += p.grad.count
    }
}

private func copyGradients(from flat: [Float], into parameters: [Parameter]) {
    var offset = 0
    for p in parameters {
        p.grad = Tensor(shape: p.grad.shape, scalars: Array(flat[offset..<(offset + p.grad.count)]))
        offset += p.grad.count
    }
}
