import SwiftLARS

/// A heap array of Floats owned by the bench, reached through a raw pointer so timing loops pay
/// no bounds checks and no copy-on-write checks.
final class FloatBuffer {
    /// The first element.
    let pointer: UnsafeMutablePointer<Float>
    /// Element count.
    let count: Int

    /// `count` uniform values in [-1, 1) from `seed`.
    init(count: Int, seed: UInt64) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
        var generator = SeededGenerator(seed: seed)
        for i in 0..<count { pointer[i] = generator.nextFloat(in: -1, 1) }
    }

    /// `count` copies of `value`.
    init(count: Int, value: Float) {
        self.count = count
        pointer = .allocate(capacity: Swift.max(count, 1))
        pointer.initialize(repeating: value, count: Swift.max(count, 1))
    }

    deinit { pointer.deallocate() }

    /// Read-only view.
    var constPointer: UnsafePointer<Float> { UnsafePointer(pointer) }
}
