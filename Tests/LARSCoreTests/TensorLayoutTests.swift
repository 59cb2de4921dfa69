import Testing
import LARSCore

/// A tensor stored in oneDNN's channel-blocked order reads like its NCHW self everywhere, and
/// the reorders between the two orders are exact inverses.
struct TensorLayoutTests {
    /// `[2, 16, 2, 3]` with element value = its NCHW index, so positions are easy to check.
    static let plain = Tensor(shape: [2, 16, 2, 3], scalars: (0..<192).map(Float.init))

    @Test(arguments: [8, 16])
    func reordersRoundTripExactly(_ block: Int) {
        let blocked = Self.plain.stored(as: .channelBlocked(block))
        #expect(blocked.layout == .channelBlocked(block))
        let back = blocked.stored(as: .plain)
        #expect(back.layout == .plain)
        #expect(back.withUnsafeStorage { Array($0) } == Self.plain.scalars)
        // The storage really is nChw<b>c: image 1, the last channel block, pixel (1, 2), lane 3
        // holds channel (last block) * b + 3 of image 1 at that pixel.
        let stored = blocked.withUnsafeStorage { Array($0) }
        let (h, w, last) = (2, 3, 16 / block - 1)
        let at = (((1 * (16 / block) + last) * h + 1) * w + 2) * block + 3
        #expect(stored[at] == Self.plain[1, last * block + 3, 1, 2])
        #expect(stored != Self.plain.scalars)
    }

    @Test func everyElementAccessSeesNCHW() {
        let blocked = Self.plain.stored(as: .channelBlocked(8))
        #expect(blocked.scalars == Self.plain.scalars)
        #expect(blocked == Self.plain)
        #expect(blocked[1, 13, 0, 2] == Self.plain[1, 13, 0, 2])
        #expect(blocked.withUnsafeBufferPointer { Array($0) } == Self.plain.scalars)
        #expect(blocked.reshaped([2, -1]).scalars == Self.plain.scalars)
        #expect(blocked.description == Self.plain.description)
        var changed = Self.plain
        changed[0, 0, 0, 0] = -1
        #expect(blocked != changed)
    }

    @Test func writesKeepOrTurnPlainAsDocumented() {
        var viaSubscript = Self.plain.stored(as: .channelBlocked(8))
        viaSubscript[1, 9, 1, 0] = -5
        #expect(viaSubscript.layout == .channelBlocked(8))
        var expected = Self.plain
        expected[1, 9, 1, 0] = -5
        #expect(viaSubscript.scalars == expected.scalars)
        var viaScalars = Self.plain.stored(as: .channelBlocked(8))
        viaScalars.scalars[4] = 7
        #expect(viaScalars.layout == .plain)
        #expect(viaScalars.scalars[4] == 7 && viaScalars.scalars[5] == 5)
        var viaPointer = Self.plain.stored(as: .channelBlocked(16))
        viaPointer.withUnsafeMutableBufferPointer { $0[3] = 9 }
        #expect(viaPointer.layout == .plain)
        #expect(viaPointer[0, 0, 1, 0] == 9)
    }

    @Test func batchesKeepTheLayout() {
        let blocked = Self.plain.stored(as: .channelBlocked(8))
        let second = blocked.batch(1..<2)
        #expect(second.layout == .channelBlocked(8))
        #expect(second.scalars == Self.plain.batch(1..<2).scalars)
        let joined = Tensor(concatenatingBatches: [blocked.batch(0..<1), second])
        #expect(joined.layout == .channelBlocked(8))
        #expect(joined == Self.plain)
        let mixed = Tensor(concatenatingBatches: [Self.plain.batch(0..<1), second])
        #expect(mixed.layout == .plain)
        #expect(mixed == Self.plain)
    }

    @Test func onlyShapesWithWholeChannelBlocksFit() {
        #expect(TensorLayout.channelBlocked(8).fits([2, 16, 3, 3]))
        #expect(!TensorLayout.channelBlocked(8).fits([2, 12, 3, 3]))
        #expect(!TensorLayout.channelBlocked(8).fits([2, 16]))
        #expect(!TensorLayout.channelBlocked(4).fits([2, 16, 3, 3]), "the walks step by 8 lanes")
        #expect(TensorLayout.channelBlocked(16).fits([2, 32, 1, 1]))
        #expect(TensorLayout.plain.fits([5]))
        #expect(TensorLayout.channelBlocked(8).description == "nChw8c")
    }
}
