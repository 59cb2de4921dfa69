import Testing
import LARSCore

@Suite struct TensorBasicsTests {
    @Test func reshapeKeepsElementsAndInfersOneDimension() {
        let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let r = t.reshaped([3, -1])
        #expect(r.shape == [3, 2])
        #expect(r.scalars == t.scalars)
    }

    @Test func matmulMatchesHandComputedProduct() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        #expect(Tensor.matmul(a, b).scalars == [19, 22, 43, 50])
        #expect(Tensor.matmul(a, b, transposeA: true).scalars == [26, 30, 38, 44])
        #expect(Tensor.matmul(a, b, transposeB: true).scalars == [17, 23, 39, 53])
    }
}
