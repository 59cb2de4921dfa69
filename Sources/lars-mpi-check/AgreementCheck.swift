#if canImport(Glibc)
import Glibc
#endif
import LARSCore
import LARSDistributed
import LARSTraining

/// How a rank fails on purpose, to check that the job then ends instead of hanging.
enum FailureMode: String, CaseIterable {
    /// `exit(3)` without `MPI_Finalize`, like a crash.
    case exit
    /// `ProcessGroup.abort`, as the trainer does after an error.
    case abort
    /// A thrown error that reaches `MPIProcessGroup.withWorld`.
    case `throw`
}

/// The settings of one data-parallel agreement run.
struct AgreementSettings {
    var steps = 5
    var batch = 64
    var seed: UInt64 = 1
    var inputs = 20
    var hidden = 32
    var classes = 5
    var skipAllReduce = false
    var failRank: Int? = nil
    var failStep = 1
    var failureMode = FailureMode.exit
    /// The layers model gets a BatchNorm between its two Dense layers.
    var batchNorm = false
    /// That BatchNorm sums its batch statistics over the ranks.
    var syncBatchNorm = false
    /// The largest |w_mpi - w_single| accepted, relative to max(1, max |w|).
    var tolerance: Float = 1e-5
}

struct OnPurposeFailure: Error, CustomStringConvertible {
    let rank: Int
    var description: String { "lars-mpi-check: rank \(rank) failed on purpose (--fail-rank \(rank) --fail-how throw)" }
}

/// Trains `TinyMLP` for `steps` steps at global batch `batch` split over the ranks (one
/// allReduceSum per step over the flat gradient), then on rank 0 trains it again in one process
/// on the whole batch and compares the weights. Returns true when they agree.
func runAgreement(_ settings: AgreementSettings, group: MPIProcessGroup) throws -> Bool {
    let backend: any KernelBackend = OpenBLASBackend()
    let model = TinyMLP(inputs: settings.inputs, hidden: settings.hidden, classes: settings.classes)
    let data = SyntheticData(
        count: settings.steps * settings.batch, inputs: settings.inputs, classes: settings.classes, seed: settings.seed)
    guard settings.batch >= group.size else {
        throw ValidationFailure("--batch \(settings.batch) is smaller than the \(group.size) ranks: some would get no rows")
    }
    let (parameters, lastLoss) = try trainDataParallel(model, data, settings, group: group, backend: backend)
    // All ranks must hold identical weights: compare with rank 0's.
    let spread = try rankSpread(parameters, group: group)

    guard group.rank == 0 else { return true }
    let (reference, referenceLoss) = trainSingleProcess(model, data, settings, backend: backend)
    print("ranks: \(group.size), steps: \(settings.steps), global batch: \(settings.batch), parameters: \(model.parameterCount)"
        + (settings.skipAllReduce ? ", allreduce SKIPPED (negative control)" : ""))
    print("final loss: data-parallel \(lastLoss), single process \(referenceLoss)")
    return reportAgreement(parameters, reference: reference, spread: spread, tolerance: settings.tolerance)
}

/// This rank's share of every step, gradients summed over the ranks (unless
/// `skipAllReduce`); returns the weights and the last step's mean loss over the global batch.
private func trainDataParallel(
    _ model: TinyMLP, _ data: SyntheticData, _ settings: AgreementSettings, group: MPIProcessGroup,
    backend: any KernelBackend
) throws -> (parameters: [Float], loss: Double) {
    // Every rank starts from rank 0's weights: the others start from a different seed on purpose,
    // so that a missing broadcast shows up as a mismatch.
    var parameters = model.initialParameters(seed: settings.seed &+ UInt64(group.rank))
    try parameters.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }

    let rows = shard(batch: settings.batch, rank: group.rank, size: group.size)
    var optimizer = InlineLARS(parameterCount: model.parameterCount)
    var gradient = [Float](repeating: 0, count: model.parameterCount)
    var lastLoss = 0.0
    for step in 0..<settings.steps {
        try failOnPurposeIfAsked(settings, group: group, step: step)
        let first = step * settings.batch + rows.lowerBound
        for i in gradient.indices { gradient[i] = 0 }
        var loss = [
            shardGradient(model, parameters, data, first: first, rows: rows.count, batch: settings.batch, into: &gradient, backend: backend)
        ]
        if !settings.skipAllReduce {
            try gradient.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        }
        try loss.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        lastLoss = loss[0] / Double(settings.batch)
        optimizer.step(parameters: &parameters, gradient: gradient, segments: model.segments, backend: backend)
    }
    return (parameters, lastLoss)
}

/// Exits, aborts or throws as `--fail-rank`/`--fail-step`/`--fail-how` ask, on that rank and step.
private func failOnPurposeIfAsked(_ settings: AgreementSettings, group: MPIProcessGroup, step: Int) throws {
    guard let failRank = settings.failRank, failRank == group.rank, step == settings.failStep else { return }
    let note = "lars-mpi-check: rank \(group.rank) fails on purpose at step \(step) (--fail-how \(settings.failureMode.rawValue))\n"
    writeToStandardError(note)
    switch settings.failureMode {
    case .exit: Glibc.exit(3)
    case .abort: group.abort(message: "lars-mpi-check: aborting on purpose (--fail-rank \(group.rank))", code: 4)
    case .throw: throw OnPurposeFailure(rank: group.rank)
    }
}

/// The reference: one process, the whole global batch per step, same code. Returns the weights
/// and the last step's mean loss.
private func trainSingleProcess(
    _ model: TinyMLP, _ data: SyntheticData, _ settings: AgreementSettings, backend: any KernelBackend
) -> (parameters: [Float], loss: Double) {
    var reference = model.initialParameters(seed: settings.seed)
    var referenceOptimizer = InlineLARS(parameterCount: model.parameterCount)
    var gradient = [Float](repeating: 0, count: model.parameterCount)
    var referenceLoss = 0.0
    for step in 0..<settings.steps {
        for i in gradient.indices { gradient[i] = 0 }
        referenceLoss = shardGradient(
            model, reference, data, first: step * settings.batch, rows: settings.batch, batch: settings.batch,
            into: &gradient, backend: backend) / Double(settings.batch)
        referenceOptimizer.step(parameters: &reference, gradient: gradient, segments: model.segments, backend: backend)
    }
    return (reference, referenceLoss)
}

/// The sum over the ranks of `max |w_r - w_0|`: zero when every rank holds rank 0's `weights`.
func rankSpread(_ weights: [Float], group: MPIProcessGroup) throws -> Double {
    var rootWeights = weights
    try rootWeights.withUnsafeMutableBufferPointer { try group.broadcast($0, root: 0) }
    var spread = [Double(maxAbsDifference(weights, rootWeights))]
    try spread.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
    return spread[0]
}

/// Prints the rank spread and the largest difference from the single-process `reference`, and
/// the verdict; true when the spread is zero and the difference within `tolerance * max(1, max |w|)`.
func reportAgreement(_ weights: [Float], reference: [Float], spread: Double, tolerance: Float) -> Bool {
    let difference = maxAbsDifference(weights, reference)
    let largest = reference.reduce(0) { max($0, abs($1)) }
    let allowed = tolerance * max(1, largest)
    let agrees = difference <= allowed && spread == 0
    print("rank spread (sum over ranks of max |w_r - w_0|): \(spread)")
    print("max |w_mpi - w_single| = \(difference) (allowed \(allowed), max |w| = \(largest))")
    print(agrees ? "AGREEMENT OK" : "AGREEMENT FAILED")
    return agrees
}

/// One rank's gradient contribution: rows `first..<first+rows` of `data`, scaled by 1/batch.
private func shardGradient(
    _ model: TinyMLP, _ parameters: [Float], _ data: SyntheticData, first: Int, rows: Int, batch: Int,
    into gradient: inout [Float], backend: any KernelBackend
) -> Double {
    parameters.withUnsafeBufferPointer { p in
        data.x.withUnsafeBufferPointer { x in
            data.labels.withUnsafeBufferPointer { labels in
                gradient.withUnsafeMutableBufferPointer { g in
                    model.accumulateGradient(
                        parameters: p,
                        x: UnsafeBufferPointer(rebasing: x[(first * data.inputs)..<((first + rows) * data.inputs)]),
                        labels: UnsafeBufferPointer(rebasing: labels[first..<(first + rows)]),
                        rows: rows, scale: 1 / Float(batch), gradient: g, backend: backend)
                }
            }
        }
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A bad command line, reported like an argument error.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "lars-mpi-check: \(description)" }
}
