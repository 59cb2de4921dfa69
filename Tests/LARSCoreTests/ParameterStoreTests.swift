import Testing
import LARSCore

/// `ParameterStore` and `Parameter` as views into it: binding keeps values and gradients, lays
/// parameters out aligned and in order, and whole-buffer operations touch exactly the members.
@Suite struct ParameterStoreTests {
    func parameters() -> [Parameter] {
        [Parameter(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]), kind: .weight),
         Parameter(Tensor([7, 8]), kind: .bias),
         Parameter(Tensor(shape: [17], scalars: (0..<17).map(Float.init)), kind: .normScale)]
    }

    @Test func standaloneParameterHoldsItsValueAndAZeroGradient() {
        let p = Parameter(Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), kind: .weight)
        #expect(p.value == Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(p.grad == Tensor(zeros: [2, 2]))
        #expect(p.shape == [2, 2] && p.count == 4 && p.offset == 0)
        #expect(p.store.count == ParameterStore.alignment && p.store.memberCount == 1)
        p.grad = Tensor(shape: [2, 2], scalars: [5, 6, 7, 8])
        p.withGradients { g in g[1] += 1 }
        #expect(p.grad.scalars == [5, 7, 7, 8])
        p.zeroGrad()
        #expect(p.grad.scalars == [0, 0, 0, 0])
        #expect(p.value.scalars == [1, 2, 3, 4])
    }

    @Test func bindMovesParametersIntoOneAlignedStoreKeepingTheirElements() {
        let list = parameters()
        list[1].grad = Tensor([0.5, -0.5])
        let store = ParameterStore.bind(list)
        #expect(list.allSatisfy { $0.store === store })
        #expect(list.map(\.offset) == [0, 16, 32])
        #expect(store.count == 64 && store.memberCount == 3)
        #expect(Int(bitPattern: store.values) % 64 == 0 && Int(bitPattern: store.gradients) % 64 == 0)
        #expect(list[0].value.scalars == [1, 2, 3, 4, 5, 6])
        #expect(list[1].value.scalars == [7, 8] && list[1].grad.scalars == [0.5, -0.5])
        #expect(list[2].value.scalars == (0..<17).map(Float.init))
        // The views are the store: a write through one shows in the other, and padding is zero.
        store.values[16] = 9
        #expect(list[1].value.scalars == [9, 8])
        #expect(Array(store.valueBuffer[6..<16]) == [Float](repeating: 0, count: 10))
        #expect(ParameterStore.shared(by: list) === store)
        #expect(ParameterStore.bind(list) === store)  // already bound in order: nothing moves
    }

    @Test func zeroGradientsIsOneFillOverEveryMember() {
        let list = parameters()
        let store = ParameterStore.bind(list)
        for p in list { p.grad = Tensor(repeating: 3, shape: p.shape) }
        store.zeroGradients()
        #expect(list.allSatisfy { $0.grad == Tensor(zeros: $0.shape) })
        #expect(list.allSatisfy { $0.value != Tensor(zeros: $0.shape) })
    }

    @Test func sharedNeedsExactlyTheMembers() {
        let list = parameters()
        ParameterStore.bind(list)
        #expect(ParameterStore.shared(by: Array(list.prefix(2))) == nil)
        #expect(ParameterStore.shared(by: list + [list[0]]) == nil)
        #expect(ParameterStore.shared(by: [Parameter(Tensor([1]), kind: .bias)]) != nil)
        // Rebinding a subset elsewhere leaves the old store with a member missing.
        let old = list[0].store
        ParameterStore.bind(Array(list.prefix(2)))
        #expect(list[0].store !== old)
        #expect(ParameterStore.shared(by: [list[2]]) == nil)
        #expect(list[0].value.scalars == [1, 2, 3, 4, 5, 6] && list[2].value.count == 17)
    }

    @Test func sameLayoutComparesOffsetsAndShapes() {
        let a = parameters(), b = parameters()
        ParameterStore.bind(a)
        ParameterStore.bind(b)
        #expect(ParameterStore.sameLayout(a, b))
        let c = parameters()
        ParameterStore.bind([c[1], c[0], c[2]])
        #expect(!ParameterStore.sameLayout(a, c))
    }
}
