import Dispatch
import Testing
import LARSKernels

/// Results written by the jobs of one `run`, each into its own preallocated slot (no Swift
/// array is mutated from several threads).
private final class Slots: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int>
    let count: Int
    init(_ count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: -1, count: count)
    }
    deinit { base.deallocate() }
    var values: [Int] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

@Suite("Worker threads")
struct WorkerThreadsTests {
    @Test("every job of a run gets its own thread: jobs that wait for each other all finish")
    func jobsRunConcurrently() {
        let workers = WorkerThreads(workers: 2)
        #expect(workers.capacity == 3)
        for round in 0..<20 {
            // A barrier of three: no job can pass it unless all three run at the same time.
            let arrived = DispatchSemaphore(value: 0)
            let go = DispatchSemaphore(value: 0)
            let slots = Slots(4)  // slot 3: whether job 0 gave up waiting for the others
            let jobs: [() -> Void] = (0..<3).map { index in
                {
                    arrived.signal()
                    if index == 0 {
                        // Jobs run one after another would never all arrive: time out, not hang.
                        for _ in 0..<3 where arrived.wait(timeout: .now() + 10) == .timedOut { slots.base[3] = 1 }
                        for _ in 0..<2 { go.signal() }
                    } else {
                        go.wait()
                    }
                    slots.base[index] = index * 10 + round
                }
            }
            workers.run(jobs)
            #expect(slots.values == [round, 10 + round, 20 + round, -1], "round \(round)")
        }
    }

    @Test("without workers, run takes one job and runs it on the caller's thread")
    func noWorkers() {
        let workers = WorkerThreads(workers: 0)
        #expect(workers.capacity == 1)
        var ran = false
        workers.run([{ ran = true }])
        #expect(ran)
    }

    @Test("fewer jobs than threads leave the other workers idle, and the pool stops cleanly")
    func partialRuns() {
        var workers: WorkerThreads? = WorkerThreads(workers: 3)
        let slots = Slots(2)
        workers!.run([{ slots.base[0] = 1 }, { slots.base[1] = 2 }])
        #expect(slots.values == [1, 2])
        // Returns only once deinit has stopped and joined all three threads (a lost wake-up
        // would hang here).
        workers = nil
    }
}
