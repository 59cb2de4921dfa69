// Reductions over the whole tensor and along one axis.

extension Tensor {
    /// The sum of all elements, accumulated in Double.
    public func sum() -> Float {
        var total: Double = 0
        for x in scalars { total += Double(x) }
        return Float(total)
    }

    /// The mean of all elements.
    public func mean() -> Float {
        userPrecondition(count > 0, "mean() of an empty tensor")
        return sum() / Float(count)
    }

    /// The largest element.
    public func max() -> Float {
        userPrecondition(count > 0, "max() of an empty tensor")
        return scalars.max()!
    }

    /// Splits the shape around `axis` into (outer, size, inner) element counts.
    private func around(_ axis: Int) -> (outer: Int, size: Int, inner: Int) {
        userPrecondition(axis >= 0 && axis < rank, "axis \(axis) out of range for shape \(shape)")
        return (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    private func reduced(along axis: Int, _ body: (_ values: (Int) -> Float, _ size: Int) -> Float) -> Tensor {
        let (outer, size, inner) = around(axis)
        var newShape = shape
        newShape.remove(at: axis)
        var out = [Float](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { x in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * size * inner + i
                    out[o * inner + i] = body({ x[base + $0 * inner] }, size)
                }
            }
        }
        return Tensor(shape: newShape, scalars: out)
    }

    /// Sums along `axis`, removing it from the shape.
    public func sum(alongAxis axis: Int) -> Tensor {
        reduced(along: axis) { value, size in
            var total: Double = 0
            for j in 0..<size { total += Double(value(j)) }
            return Float(total)
        }
    }

    /// Averages along `axis`, removing it from the shape.
    public func mean(alongAxis axis: Int) -> Tensor {
        let size = shape[axis]
        userPrecondition(size > 0, "mean(alongAxis:) over an empty axis of shape \(shape)")
        return sum(alongAxis: axis) / Float(size)
    }

    /// The maximum along `axis`, removing it from the shape.
    public func max(alongAxis axis: Int) -> Tensor {
        userPrecondition(shape[axis] > 0, "max(alongAxis:) over an empty axis of shape \(shape)")
        return reduced(along: axis) { value, size in
            var best = value(0)
            for j in 1..<Swift.max(size, 1) { best = Swift.max(best, value(j)) }
            return best
        }
    }

    /// The index of the maximum along `axis` (the first one on ties), removing the axis.
    public func argmax(alongAxis axis: Int) -> [Int] {
        userPrecondition(shape[axis] > 0, "argmax(alongAxis:) over an empty axis of shape \(shape)")
        return reduced(along: axis) { value, size in
            var best = value(0)
            var index = 0
            for j in 1..<Swift.max(size, 1) where value(j) > best {
                best = value(j)
                index = j
            }
            return Float(index)
        }.scalars.map { Int($0) }
    }
}
