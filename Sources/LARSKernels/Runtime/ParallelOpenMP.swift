#if canImport(CDNNL)
import CDNNL
#endif

/// The threads `Parallel.forEach` spreads work over.
public enum ThreadPool: Sendable, Equatable {
    /// Dispatch's worker threads (`concurrentPerform`): beside OpenBLAS's own threads.
    case dispatch
    /// The calling thread's OpenMP team, which oneDNN's primitives run on; Dispatch when no
    /// OpenMP runtime is compiled in.
    case openMP
}

extension Parallel {
    /// Runs `workers` contiguous ranges of `0..<count` on the calling thread's OpenMP team, the
    /// threads oneDNN's primitives run on, and returns true; returns false, running nothing,
    /// when no OpenMP runtime is loaded. Why: after a parallel region OpenMP's threads spin
    /// (GOMP_SPINCOUNT pauses, milliseconds) before they sleep, so a thread of another
    /// pool that wants that core waits; on one team, the spinning thread is the one that picks
    /// up the next chunk.
    @usableFromInline
    static func forEachOnOpenMP(_ count: Int, workers: Int, _ body: @Sendable (Int) -> Void) -> Bool {
        #if canImport(CDNNL)
        return withoutActuallyEscaping(body) { body in
            var job = OpenMPJob(count: count, body: body)
            guard let openMP = OpenMPRuntime.loaded else { return false }
            withUnsafeMutablePointer(to: &job) { openMP.parallel(runOpenMPJob, $0, UInt32(workers), 0) }
            return true
        }
        #else
        return false
        #endif
    }
}

#if canImport(CDNNL)
/// libgomp's entry points, resolved once (a `static let` is initialised exactly once, thread
/// safely) in the libgomp that oneDNN loads; `nil` unless all three exist, since a team whose
/// members could not tell their numbers would run every chunk on every thread.
private struct OpenMPRuntime: @unchecked Sendable {
    let parallel: @convention(c) (
        (@convention(c) (UnsafeMutableRawPointer?) -> Void)?, UnsafeMutableRawPointer?, UInt32, UInt32
    ) -> Void
    let threadNumber: @convention(c) () -> Int32
    let teamSize: @convention(c) () -> Int32

    static let loaded: OpenMPRuntime? = {
        guard let parallel = lars_omp_find_parallel(), let threadNumber = lars_omp_find_thread_num(),
              let teamSize = lars_omp_find_num_threads()
        else { return nil }
        return OpenMPRuntime(parallel: parallel, threadNumber: threadNumber, teamSize: teamSize)
    }()
}

/// What each member of the OpenMP team needs: the chunk count and the work.
private struct OpenMPJob {
    let count: Int
    let body: @Sendable (Int) -> Void
}

/// Runs on every member of the team: its contiguous share of the chunks, split by the team's
/// actual size (OpenMP may grant fewer threads than asked). Which thread runs a chunk never
/// changes a result: `forEach`'s chunks are independent.
private func runOpenMPJob(_ data: UnsafeMutableRawPointer?) {
    guard let job = data?.assumingMemoryBound(to: OpenMPJob.self), let openMP = OpenMPRuntime.loaded else { return }
    let team = Int(max(1, openMP.teamSize())), member = Int(openMP.threadNumber())
    let count = job.pointee.count
    for i in (count * member / team)..<(count * (member + 1) / team) { job.pointee.body(i) }
}
#endif
