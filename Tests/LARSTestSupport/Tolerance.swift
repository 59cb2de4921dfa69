import LARSCore

/// The largest relative difference between two equally long arrays, measured against the
/// larger magnitude of each pair with `floor` guarding near-zero values.
public func maxRelativeError(_ a: [Float], _ b: [Float], floor: Float = 1e-6) -> Float {
    precondition(a.count == b.count, "maxRelativeError: counts \(a.count) and \(b.count) differ")
    var worst: Float = 0
    for i in a.indices {
        let scale = Swift.max(abs(a[i]), abs(b[i]), floor)
        worst = Swift.max(worst, abs(a[i] - b[i]) / scale)
    }
    return worst
}

/// The largest absolute difference between two equally long arrays.
public func maxAbsoluteError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maxAbsoluteError: counts \(a.count) and \(b.count) differ")
    var worst: Float = 0
    for i in a.indices { worst = Swift.max(worst, abs(a[i] - b[i])) }
    return worst
}
