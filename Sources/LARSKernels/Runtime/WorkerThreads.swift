import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of persistent OS threads that run one job each per `run` call, beside the caller.
///
/// Unlike `DispatchQueue.concurrentPerform`, every job is guaranteed its own thread, so jobs may
/// wait for one another (the BatchNorm statistics exchange of `DataParallel` does). The threads
/// live as long as this object: OpenBLAS keeps per-thread buffers, and a fresh thread per call
/// would exhaust its table of memory regions.
///
/// Jobs are ordinary (non-`Sendable`) closures, so the compiler does not check what they share:
/// the caller promises that the jobs of one `run` touch disjoint state, or synchronise
/// themselves. `run` is for one calling thread at a time and must not be called from a job.
public final class WorkerThreads {
    /// One worker's mailbox. `wake` and `finished` order every access to `job` between threads.
    private final class Mailbox: @unchecked Sendable {
        let wake = DispatchSemaphore(value: 0)
        let finished: DispatchSemaphore
        var job: (() -> Void)?
        var stop = false
        init(finished: DispatchSemaphore) { self.finished = finished }
    }

    private let mailboxes: [Mailbox]
    private let finished: DispatchSemaphore
    private var threads: [pthread_t] = []
    private var isRunning = false

    /// The number of jobs one `run` call can take: the workers plus the calling thread.
    public var capacity: Int { mailboxes.count + 1 }

    /// Starts `workers` threads (0 is allowed: then `run` takes one job and runs it inline).
    public init(workers: Int) {
        precondition(workers >= 0, "WorkerThreads: \(workers) is not a worker count")
        let finished = DispatchSemaphore(value: 0)
        self.finished = finished
        mailboxes = (0..<workers).map { _ in Mailbox(finished: finished) }
        for mailbox in mailboxes {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(mailbox).toOpaque()
            let status = pthread_create(&thread, nil, { raw in
                let mailbox = Unmanaged<Mailbox>.fromOpaque(raw!).takeRetainedValue()
                while true {
                    mailbox.wake.wait()
                    if mailbox.stop { break }
                    mailbox.job?()
                    mailbox.job = nil
                    mailbox.finished.signal()
                }
                return nil
            }, context)
            precondition(status == 0, "WorkerThreads: pthread_create failed with error \(status)")
            threads.append(thread)
        }
    }

    deinit {
        for mailbox in mailboxes {
            mailbox.stop = true
            mailbox.wake.signal()
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// Runs `jobs[0]` on the calling thread and `jobs[i]` on worker `i - 1`, and returns when all
    /// have finished. `jobs.count` must be between 1 and `capacity`. Calls must not overlap.
    public func run(_ jobs: [() -> Void]) {
        precondition(
            !jobs.isEmpty && jobs.count <= capacity,
            "WorkerThreads.run: \(jobs.count) jobs for 1...\(capacity) threads")
        precondition(!isRunning, "WorkerThreads.run called again before the previous call returned")
        isRunning = true
        defer { isRunning = false }
        for (mailbox, job) in zip(mailboxes, jobs.dropFirst()) {
            mailbox.job = job
            mailbox.wake.signal()
        }
        jobs[0]()
        for _ in 1..<jobs.count { finished.wait() }
    }
}
