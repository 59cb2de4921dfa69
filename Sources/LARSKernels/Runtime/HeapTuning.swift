import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide tuning of glibc's `malloc` for training, where every step allocates and frees
/// the same large activation tensors.
///
/// By default glibc serves blocks above its mmap threshold (128 KiB, rising to at most 32 MiB as
/// blocks are freed) with a fresh `mmap` and returns them with `munmap`, so each step's activations
/// (51 MB for the small CNN's first layer at batch 512) arrive as new zero-filled pages, and the
/// kernel's page faults and page clearing take a large share of a training epoch's CPU time
/// (docs/performance.md).
public enum HeapTuning {
    /// Largest block that `keepLargeBlocksInHeap()` lets the heap reuse: 1 GiB.
    public static let retainedBlockLimit = 1 << 30

    /// Makes `malloc` keep large blocks in its heaps after `free` (`mallopt` of `M_MMAP_THRESHOLD`
    /// and `M_TRIM_THRESHOLD`, both `retainedBlockLimit`), so later allocations of the same size
    /// reuse already mapped pages. The main thread's heap then serves blocks of up to 1 GiB; other
    /// threads' heaps are capped by glibc at 64 MiB, so larger blocks allocated there are still
    /// mapped afresh. The price: the process keeps its peak heap (up to 1 GiB of free space per
    /// heap) instead of returning it to the system after each step.
    ///
    /// Does nothing when the user chose for themselves (`MALLOC_MMAP_THRESHOLD_`,
    /// `MALLOC_TRIM_THRESHOLD_`, or `GLIBC_TUNABLES` naming either) and on platforms without
    /// glibc. Idempotent and cheap; the first `ExecutionContext` of a process calls it (and
    /// `Trainer` and `lars-bench` again). Returns
    /// whether both settings were applied (glibc 2.36 accepts them; `HeapTuningTests` checks a
    /// 40 MB block).
    @discardableResult
    public static func keepLargeBlocksInHeap() -> Bool {
        #if canImport(Glibc)
        if getenv("MALLOC_MMAP_THRESHOLD_") != nil || getenv("MALLOC_TRIM_THRESHOLD_") != nil { return false }
        if let tunables = getenv("GLIBC_TUNABLES").map({ String(cString: $0) }),
            tunables.contains("malloc.mmap_threshold") || tunables.contains("malloc.trim_threshold")
        {
            return false
        }
        let limit = Int32(retainedBlockLimit)
        let mapped = mallopt(M_MMAP_THRESHOLD, limit) == 1
        let trimmed = mallopt(M_TRIM_THRESHOLD, limit) == 1
        return mapped && trimmed
        #else
        return false
        #endif
    }

    /// Bytes `malloc` has handed out and not yet had back: in-use blocks of every heap plus the
    /// separately mapped ones (glibc's `mallinfo2`); 0 without glibc. For measuring what a
    /// computation allocates, as a difference of two readings on a quiet process.
    public static var bytesInUse: Int {
        #if canImport(Glibc)
        let info = mallinfo2()
        return Int(info.uordblks) + Int(info.hblkhd)
        #else
        return 0
        #endif
    }
}
