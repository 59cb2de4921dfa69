import Testing
import LARSNN
import LARSTestSupport

/// The 2x2 stride-2 max-pool fast path against a nested-loop reference, with many ties, for
/// output widths below 4, from 4 to 7 and 8 or more (vector paths with an overlapping last vector).
@Suite struct MaxPoolTests {
    @Test(arguments: [(4, 6), (5, 5), (3, 7), (2, 12), (6, 17), (4, 28), (3, 33)])
    func twoByTwoMatchesTheReferenceWithTies(height: Int, width: Int) {
        var g = SeededGenerator(seed: UInt64(height * 10 + width))
        // Values from a set of three, so most windows hold ties; the first maximum must win.
        let shape = [2, 3, height, width]
        let x = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in Float(g.nextInt(below: 3)) })
        let pool = MaxPool2D(kernelSize: 2)
        let context = ExecutionContext()
        let y = pool.forward(x, context: context)
        let dy = Tensor(normal: y.shape, generator: &g)
        let dx = pool.backward(dy, context: context)
        let (oh, ow) = (height / 2, width / 2)
        var expectedY = [Float](repeating: 0, count: y.count)
        var expectedDx = [Float](repeating: 0, count: x.count)
        for plane in 0..<(2 * 3) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    var at = 0
                    for i in 0..<2 {
                        for j in 0..<2 {
                            let index = plane * height * width + (2 * oy + i) * width + 2 * ox + j
                            if x.scalars[index] > best { best = x.scalars[index]; at = index }
                        }
                    }
                    let o = plane * oh * ow + oy * ow + ox
                    expectedY[o] = best
                    expectedDx[at] += dy.scalars[o]
                }
            }
        }
        #expect(y.shape == [2, 3, oh, ow])
        #expect(y.scalars == expectedY)
        #expect(dx.scalars == expectedDx)
    }
}
