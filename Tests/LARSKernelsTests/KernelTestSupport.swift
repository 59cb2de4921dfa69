import LARSKernels
import LARSCore

/// Random test data drawn from the project's own seeded generator, so failures reproduce.
enum TestData {
    /// `count` uniform values in [-1, 1).
    static func uniform(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextFloat(in: -1, 1) }
    }
}

/// The backends every agreement test runs, with a label for failure messages.
let backendsUnderTest: [any KernelBackend] = [
    OpenBLASBackend(), SwiftBackend.tuned, SwiftBackend(gemm: .tuned, threads: 2), SwiftBackend.naive,
]
