import Testing
import LARSCore

@Suite struct TensorOpsTests {
    // [[[1, 2, 3], [4, 5, 6]], [[-1, 0, 7], [2, 2, -5]]]
    let cube = Tensor(shape: [2, 2, 3], scalars: [1, 2, 3, 4, 5, 6, -1, 0, 7, 2, 2, -5])

    @Test func creation() {
        #expect(Tensor(zeros: [2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor(ones: [4]).scalars == [1, 1, 1, 1])
        #expect(Tensor(repeating: 2.5, shape: [1, 2]).scalars == [2.5, 2.5])
        #expect(Tensor(scalar: 3).shape == [])
        #expect(Tensor([1, 2]).shape == [2])
        var generator = SeededGenerator(seed: 1)
        let u = Tensor(uniform: [100], lower: -2, upper: -1, generator: &generator)
        #expect(u.scalars.allSatisfy { $0 >= -2 && $0 < -1 })
        let z = Tensor(normal: [10_000], mean: 3, standardDeviation: 0.5, generator: &generator)
        #expect(abs(z.mean() - 3) < 0.02)
    }

    @Test func wholeTensorReductions() {
        #expect(cube.sum() == 26)
        #expect(cube.mean() == 26.0 / 12)
        #expect(cube.max() == 7)
        #expect(abs(Tensor([3, 4]).norm() - 5) < 1e-6)
        #expect(Tensor([1, 2, 3]).dot(Tensor([4, -5, 6])) == 12)
    }

    @Test func reductionsAlongEachAxis() {
        let s0 = cube.sum(alongAxis: 0)
        #expect(s0.shape == [2, 3] && s0.scalars == [0, 2, 10, 6, 7, 1])
        let s1 = cube.sum(alongAxis: 1)
        #expect(s1.shape == [2, 3] && s1.scalars == [5, 7, 9, 1, 2, 2])
        let s2 = cube.sum(alongAxis: 2)
        #expect(s2.shape == [2, 2] && s2.scalars == [6, 15, 6, -1])
        #expect(cube.mean(alongAxis: 2).scalars == [2, 5, 2, -1.0 / 3])
        #expect(cube.max(alongAxis: 1).scalars == [4, 5, 6, 2, 2, 7])
        #expect(cube.max(alongAxis: 2).scalars == [3, 6, 7, 2])
    }

    @Test func argmaxTakesFirstOnTies() {
        #expect(cube.argmax(alongAxis: 2) == [2, 2, 2, 0])
        #expect(cube.argmax(alongAxis: 0) == [0, 0, 1, 0, 0, 0])
        let logits = Tensor(shape: [3, 4], scalars: [0, 5, 5, 1, -1, -2, -3, -0.5, 9, 0, 0, 9])
        #expect(logits.argmax(alongAxis: 1) == [1, 3, 0])
    }

    @Test func biasBroadcastsAlongTheChosenAxis() {
        // NCHW: N=2, C=2, H*W=2; one bias per channel.
        let x = Tensor(zeros: [2, 2, 1, 2])
        let y = x.addingBias(Tensor([10, 20]), axis: 1)
        #expect(y.scalars == [10, 10, 20, 20, 10, 10, 20, 20])
        // (N, features).
        let m = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]).addingBias(Tensor([1, 0, -1]))
        #expect(m.scalars == [2, 2, 2, 5, 5, 5])
        // Along the last axis of a rank-3 tensor.
        #expect(cube.addingBias(Tensor([1, 1, 1]), axis: 2).scalars == cube.scalars.map { $0 + 1 })
    }

    @Test func elementwiseArithmetic() {
        let a = Tensor([1, 2, 3])
        let b = Tensor([4, 5, 6])
        #expect((a + b).scalars == [5, 7, 9])
        #expect((b - a).scalars == [3, 3, 3])
        #expect((a * b).scalars == [4, 10, 18])
        #expect((b / a).scalars == [4, 2.5, 2])
        #expect((2 * a + 1).scalars == [3, 5, 7])
        #expect((-a).scalars == [-1, -2, -3])
        var c = a
        c += b
        c -= a
        #expect(c == b)
    }

    @Test func batchSlicingAndReshape() {
        let images = Tensor(shape: [4, 1, 2, 1], scalars: [0, 1, 2, 3, 4, 5, 6, 7])
        let middle = images.batch(1..<3)
        #expect(middle.shape == [2, 1, 2, 1])
        #expect(middle.scalars == [2, 3, 4, 5])
        #expect(images.batch(3..<4).scalars == [6, 7])
        #expect(images.batch(2..<2).shape == [0, 1, 2, 1])
        var r = images
        r.reshape([-1, 2])
        #expect(r.shape == [4, 2])
        #expect(images.reshaped([8]).scalars == images.scalars)
    }

    @Test func subscriptAndFill() {
        var t = cube
        #expect(t[1, 0, 2] == 7)
        t[0, 1, 1] = -9
        #expect(t.scalars[4] == -9)
        t.fill(0.5)
        #expect(t.scalars.allSatisfy { $0 == 0.5 })
    }

    @Test func matmulWithAnEmptyDimension() {
        #expect(Tensor.matmul(Tensor(zeros: [2, 0]), Tensor(zeros: [0, 3])) == Tensor(zeros: [2, 3]))
        #expect(Tensor.matmul(Tensor(zeros: [0, 4]), Tensor(ones: [4, 3])).shape == [0, 3])
        #expect(Tensor.matmul(Tensor(ones: [2, 4]), Tensor(zeros: [3, 4]), transposeB: true) == Tensor(zeros: [2, 3]))
    }

    @Test func transposedAndMatmulAgreeAcrossBackends() {
        var generator = SeededGenerator(seed: 12)
        let a = Tensor(normal: [7, 5], generator: &generator)
        let b = Tensor(normal: [7, 3], generator: &generator)
        let viaFlag = Tensor.matmul(a, b, transposeA: true)
        let viaCopy = Tensor.matmul(a.transposed(), b)
        let viaSwift = Tensor.matmul(a, b, transposeA: true, backend: SwiftBackend.naive)
        #expect(viaFlag.shape == [5, 3])
        for i in 0..<viaFlag.count {
            #expect(abs(viaFlag.scalars[i] - viaCopy.scalars[i]) < 1e-5)
            #expect(abs(viaFlag.scalars[i] - viaSwift.scalars[i]) < 1e-5)
        }
    }
}
