/// What makes a model's weights and running statistics a sound state to train from, evaluate
/// or checkpoint: every value finite and of a sane magnitude, every running variance >= 0.
public enum ModelState {
    /// The largest magnitude a weight or statistic may reach. Beyond about 1.8e19 its square
    /// overflows `Float`, so weight norms (and LARS's trust ratios) stop meaning anything; no
    /// trained network comes near 1e18, so a value past it has exploded.
    public static let explodedMagnitude: Float = 1e18

    /// Why `values` (the tensor `name`) is not a sound state, or `nil` when it is: the first
    /// NaN, infinity or exploded value with its index, or a negative value in a tensor whose
    /// name says it is a variance (`runningVariance`).
    /// With `boundMagnitude` false only non-finite values count (optimizer state such as Adam's
    /// second moments may legitimately be large).
    public static func problem(in values: UnsafeBufferPointer<Float>, name: String, boundMagnitude: Bool = true) -> String? {
        // One branch-free pass; locate the culprit only when there is one.
        var sum: Float = 0
        var largest: Float = 0
        var smallest: Float = 0
        for x in values {
            sum += x.magnitude
            largest = Swift.max(largest, x.magnitude)
            smallest = Swift.min(smallest, x)
        }
        let isVariance = name.hasSuffix("runningVariance")
        let bound = boundMagnitude ? explodedMagnitude : .greatestFiniteMagnitude
        guard !sum.isFinite || largest > bound || (isVariance && smallest < 0) else { return nil }
        for (index, x) in values.enumerated() {
            if !x.isFinite { return "\(name) holds \(x) at index \(index)" }
            if x.magnitude > bound { return "\(name) holds \(x) at index \(index), beyond \(explodedMagnitude): it has exploded" }
            if isVariance && x < 0 { return "\(name) holds the negative variance \(x) at index \(index)" }
        }
        // The sum alone overflowed: many large values, none past the bound on its own.
        if !boundMagnitude { return nil }
        return "\(name) has exploded (the sum of its magnitudes is \(sum))"
    }
}
