/// One entry whose analytic and finite-difference derivatives disagree.
public struct GradientMismatch: CustomStringConvertible, Sendable {
    /// `input` or the parameter's name.
    public let tensor: String
    /// Flat index of the entry.
    public let index: Int
    /// The derivative from `backward`.
    public let analytic: Double
    /// The central finite difference.
    public let numeric: Double

    /// `name[index]: analytic a, numeric n`.
    public var description: String {
        "\(tensor)[\(index)]: analytic \(analytic), numeric \(numeric)"
    }
}

/// The outcome of `checkGradients`: how many entries were compared, the worst scaled error and
/// every mismatch.
public struct GradientCheckReport: CustomStringConvertible, Sendable {
    /// Entries compared (input plus parameters).
    public var checked = 0
    /// Largest `|analytic - numeric| / scale` seen.
    public var worstError: Double = 0
    /// Entries beyond tolerance.
    public var mismatches: [GradientMismatch] = []
    /// Entries accepted through a one-sided difference (see `allowOneSided`).
    public var oneSided = 0
    /// True when no entry is beyond tolerance and something was checked.
    public var passed: Bool { mismatches.isEmpty && checked > 0 }

    /// Counts, the worst error and the first five mismatches.
    public var description: String {
        "checked \(checked), worst scaled error \(worstError), one-sided \(oneSided), mismatches \(mismatches.count)"
            + (mismatches.isEmpty ? "" : ": " + mismatches.prefix(5).map(\.description).joined(separator: "; "))
    }
}

/// Compares the gradients of a layer-like function with central finite differences.
///
/// The scalar loss is a fixed random projection of the output, `L = sum_i r_i y_i`, summed in
/// Double so that the difference quotient is not drowned by the summation's rounding; then
/// `dL/dy = r` is passed to `backward`. For each checked entry `v` of the input and of every
/// parameter, `(L(v + h) - L(v - h)) / 2h` is compared with the analytic derivative; an entry
/// fails when `|a - n| > tolerance * max(|a|, |n|, floor)`, with
/// `floor = max(absoluteFloor, 0.01 * max |analytic| over that tensor)` so that the Float
/// rounding of tiny entries does not count as an error.
///
/// - Parameters:
///   - input: the point `x` at which to check.
///   - parameters: the trainable parameters whose gradients `backward` accumulates (their
///     gradients are zeroed first).
///   - forward: `x -> y`; must be deterministic (call it in training mode for BatchNorm).
///   - backward: `dL/dy -> dL/dx`, after the most recent `forward(x)`.
///   - step: the finite-difference step `h`.
///   - tolerance: the largest relative difference an entry may have.
///   - absoluteFloor: the smallest magnitude the relative difference is measured against.
///   - maxEntriesPerTensor: at most this many entries (seeded random choice) per tensor.
///   - checkInput: whether to compare dL/dx (off for layers whose input gradient is not computed).
///   - allowOneSided: accept an entry whose one-sided difference (forward or backward) agrees when
///     the central one does not, as at a kink such as ReLU's.
///   - seed: seeds the choice of entries and the random projection of the output.
public func checkGradients(
    input: Tensor, parameters: [NamedParameter],
    forward: (Tensor) -> Tensor, backward: (Tensor) -> Tensor,
    step: Float = 1e-2, tolerance: Double = 1e-2, absoluteFloor: Double = 1e-3,
    maxEntriesPerTensor: Int = 48, checkInput: Bool = true, allowOneSided: Bool = false, seed: UInt64 = 7
) -> GradientCheckReport {
    var generator = SeededGenerator(seed: seed)
    let projection = Tensor(normal: forward(input).shape, generator: &generator)
    func loss(_ x: Tensor) -> Double { projectedLoss(forward(x), projection: projection) }
    for p in parameters { p.parameter.zeroGrad() }
    _ = forward(input)
    let inputGradient = backward(projection)
    // Copy the analytic gradients now: perturbed forwards below must not change them.
    let analyticParameters = parameters.map { $0.parameter.grad.scalars }

    var comparison = FiniteDifferenceComparison(
        step: Double(step), tolerance: tolerance, absoluteFloor: absoluteFloor, allowOneSided: allowOneSided,
        base: loss(input))
    func entries(_ count: Int) -> [Int] { sampledEntries(count: count, limit: maxEntriesPerTensor, generator: &generator) }
    if checkInput {
        guard inputGradient.shape == input.shape else {
            fatalError("checkGradients: dL/dx shape \(inputGradient.shape) differs from x \(input.shape)")
        }
        // Perturbed copies keep the input's layout, so a blocked input is checked blocked.
        let inputValues = input.scalars
        comparison.compare("input", analytic: inputGradient.scalars, indices: entries(input.count)) { i in
            var x = input.stored(as: .plain)
            x.scalars[i] = inputValues[i] + step
            let plus = loss(x.stored(as: input.layout))
            x.scalars[i] = inputValues[i] - step
            return (plus, loss(x.stored(as: input.layout)))
        }
    }
    for (p, analytic) in zip(parameters, analyticParameters) {
        let parameter = p.parameter
        comparison.compare(p.name, analytic: analytic, indices: entries(parameter.value.count)) { i in
            let original = parameter.value.scalars[i]
            parameter.value.scalars[i] = original + step
            let plus = loss(input)
            parameter.value.scalars[i] = original - step
            let minus = loss(input)
            parameter.value.scalars[i] = original
            return (plus, minus)
        }
    }
    return comparison.report
}

/// `sum_i r_i y_i` in Double, the scalar loss whose gradient with respect to `y` is `r`.
private func projectedLoss(_ output: Tensor, projection: Tensor) -> Double {
    // Read once: a channel-blocked output reorders on every `scalars` read.
    let (y, p) = (output.scalars, projection.scalars)
    var total: Double = 0
    for i in 0..<y.count { total += Double(y[i]) * Double(p[i]) }
    return total
}

/// Every index below `count` when there are at most `limit`, else `limit` distinct ones drawn
/// from `generator`, sorted.
private func sampledEntries(count: Int, limit: Int, generator: inout SeededGenerator) -> [Int] {
    if count <= limit { return Array(0..<count) }
    var chosen = Set<Int>()
    while chosen.count < limit { chosen.insert(generator.nextInt(below: count)) }
    return chosen.sorted()
}

/// Compares analytic derivatives with difference quotients entry by entry and collects the
/// outcome in a `GradientCheckReport`.
private struct FiniteDifferenceComparison {
    let step: Double
    let tolerance: Double
    let absoluteFloor: Double
    let allowOneSided: Bool
    /// The loss at the unperturbed point, for the one-sided differences.
    let base: Double
    var report = GradientCheckReport()

    /// `numeric(i)` returns the losses at `v + h` and `v - h`.
    mutating func compare(_ name: String, analytic: [Float], indices: [Int], numeric: (Int) -> (Double, Double)) {
        let largest = analytic.reduce(0) { Swift.max($0, Double(abs($1))) }
        let floor = Swift.max(absoluteFloor, 0.01 * largest)
        func scaledError(_ a: Double, _ n: Double) -> Double { abs(a - n) / Swift.max(abs(a), abs(n), floor) }
        let h = step
        for i in indices {
            let a = Double(analytic[i])
            let (plus, minus) = numeric(i)
            let n = (plus - minus) / (2 * h)
            var error = scaledError(a, n)
            report.checked += 1
            if error > tolerance && allowOneSided {
                let oneSided = Swift.min(scaledError(a, (plus - base) / h), scaledError(a, (base - minus) / h))
                if oneSided <= tolerance {
                    report.oneSided += 1
                    error = oneSided
                }
            }
            report.worstError = Swift.max(report.worstError, error)
            if error > tolerance { report.mismatches.append(GradientMismatch(tensor: name, index: i, analytic: a, numeric: n)) }
        }
    }
}

/// The finite-difference gradient check for a layer you wrote: runs `checkGradients` on
/// `layer.forward` in training mode, `layer.backward` and `layer.namedParameters`.
///
/// ```swift
/// let report = GradientCheck.check(MyLayer(...), input: Tensor(normal: [4, 8], generator: &g))
/// userPrecondition(report.passed, "\(report)")
/// ```
/// Check in Float with inputs of order 1 and the default step 1e-2; layers with kinks (ReLU,
/// max pooling) may need `allowOneSided` where an input lies within a step of the kink.
public enum GradientCheck {
    /// Compares `layer`'s analytic gradients (of its input and every parameter) with central
    /// differences at `input`; see `checkGradients` for the loss, the tolerance and the sampling.
    public static func check(
        _ layer: any Layer, input: Tensor, context: ExecutionContext = ExecutionContext(threads: 1),
        step: Float = 1e-2, tolerance: Double = 1e-2, maxEntriesPerTensor: Int = 48, checkInput: Bool = true,
        allowOneSided: Bool = false, seed: UInt64 = 7
    ) -> GradientCheckReport {
        let training = context.training
        return checkGradients(
            input: input, parameters: layer.namedParameters,
            forward: { layer.forward($0, context: training) }, backward: { layer.backward($0, context: training) },
            step: step, tolerance: tolerance, maxEntriesPerTensor: maxEntriesPerTensor, checkInput: checkInput,
            allowOneSided: allowOneSided, seed: seed)
    }
}
