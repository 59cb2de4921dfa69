#if canImport(Glibc)
import Glibc
import Testing
@testable import LARSKernels

@Suite("Heap tuning")
struct HeapTuningTests {
    /// glibc marks a block served by its own `mmap` with bit 1 (`IS_MMAPPED`) of the size word
    /// just before the pointer it returns.
    static func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        (block.load(fromByteOffset: -MemoryLayout<Int>.size, as: Int.self) & 2) != 0
    }

    @Test("after keepLargeBlocksInHeap a 40 MB block comes from the heap, not from mmap")
    func largeBlockStaysInHeap() throws {
        // 40 MB: above glibc's largest automatic mmap threshold (32 MiB), and small enough for
        // the 64 MiB heaps of the non-main arenas that test threads allocate from.
        let bytes = 40 << 20
        let applied = HeapTuning.keepLargeBlocksInHeap()
        try #require(applied, "mallopt refused the setting (or MALLOC_MMAP_THRESHOLD_ is set in the test environment)")
        let block = try #require(malloc(bytes))
        defer { free(block) }
        #expect(!Self.isMapped(block), "a 40 MB malloc was still served by mmap")
    }

    @Test("the mmap check itself sees a mapped block (a 1.5 GiB one, above the retained limit)")
    func checkDetectsMappedBlocks() throws {
        HeapTuning.keepLargeBlocksInHeap()
        let block = try #require(malloc(HeapTuning.retainedBlockLimit + (512 << 20)))
        defer { free(block) }
        #expect(Self.isMapped(block))
    }
}
#endif
