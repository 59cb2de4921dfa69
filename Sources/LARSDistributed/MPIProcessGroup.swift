import CMPI
import LARSTraining

#if canImport(Glibc)
import Glibc
#endif

/// The ranks of `MPI_COMM_WORLD` as a `ProcessGroup`: the processes that `mpirun -np N` starts.
///
/// Lifetime: `init()` calls `MPI_Init_thread` (unless MPI is already initialised) and
/// `finalize()` calls `MPI_Finalize`; call `finalize()` on every rank before a normal exit,
/// because `mpirun` treats a rank that exits without it as failed, and `abort` on failure.
/// `withWorld` does both. MPI can be initialised once per process: create one group per process.
///
/// Errors: the communicator's error handler is `MPI_ERRORS_RETURN`, so a failed call becomes a
/// thrown `DistributedError.mpiCall` with MPI's message instead of an abort deep inside MPI. The
/// caller reports it and calls `abort`, which ends every rank. A rank that dies without
/// `MPI_Finalize` (crash, `exit`, uncaught error) makes `mpirun` kill the others, so the job ends
/// instead of waiting in the next collective.
///
/// Threading: MPI is initialised with `MPI_THREAD_FUNNELED`: make every call from the thread that
/// created the group. Compute threads (`Parallel.forEach`, OpenBLAS) may run between calls.
public final class MPIProcessGroup: ProcessGroup {
    /// This process's rank in `MPI_COMM_WORLD`, `0..<size`.
    public let rank: Int
    /// The number of ranks in `MPI_COMM_WORLD`.
    public let size: Int
    /// The name of the host this rank runs on (`MPI_Get_processor_name`), for log lines.
    public let processorName: String
    /// Time and volume of the collectives so far, for the "time in MPI_Allreduce per step" report.
    public private(set) var statistics = CollectiveStatistics()

    private let world: MPI_Comm
    private var isFinalized = false

    /// The largest element count passed to one MPI call; longer buffers go in several calls.
    /// MPI counts are C `int`s, so it is at most `Int32.max` (the default); smaller values exist
    /// to test the chunking.
    public var maximumChunk = Int(Int32.max) {
        didSet {
            precondition(
                (1...Int(Int32.max)).contains(maximumChunk),
                "MPIProcessGroup.maximumChunk must be in 1...Int32.max, got \(maximumChunk)")
        }
    }

    /// Initialises MPI (if needed) and joins `MPI_COMM_WORLD`. Outside `mpirun` this is a
    /// singleton group of size 1.
    public init() throws {
        var initialized: Int32 = 0
        try MPIProcessGroup.check(MPI_Initialized(&initialized), "MPI_Initialized")
        var finalized: Int32 = 0
        try MPIProcessGroup.check(MPI_Finalized(&finalized), "MPI_Finalized")
        if finalized != 0 { throw DistributedError.finalized(operation: "MPIProcessGroup.init") }
        if initialized == 0 {
            var provided: Int32 = 0
            try MPIProcessGroup.check(
                MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        }
        world = cmpi_comm_world()
        // Errors come back as return codes (and so as Swift errors) rather than aborting inside
        // MPI without saying which call of ours failed.
        try MPIProcessGroup.check(MPI_Comm_set_errhandler(world, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var r: Int32 = 0
        var s: Int32 = 0
        try MPIProcessGroup.check(MPI_Comm_rank(world, &r), "MPI_Comm_rank")
        try MPIProcessGroup.check(MPI_Comm_size(world, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
        var name = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var length: Int32 = 0
        if MPI_Get_processor_name(&name, &length) == MPI_SUCCESS {
            processorName = String(decoding: name.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            processorName = "unknown"
        }
    }

    // No MPI_Finalize in deinit: Open MPI's finalize waits for every other rank to finalize too,
    // so finalising on an error path (while the others sit in a collective) would hang the job.
    // Call `finalize()` on success and `abort` on failure, or use `withWorld`.

    /// Runs `body` with the world group and ends MPI the right way for how it returned: on
    /// success `MPI_Finalize`; on a configuration mismatch (which every rank detects together) a
    /// message, `MPI_Finalize` and exit status 2; on any other error `abort`, which ends every
    /// rank with exit status 1. If MPI cannot start, prints why and exits with status 1.
    public static func withWorld<Result>(_ body: (MPIProcessGroup) throws -> Result) -> Result {
        let group: MPIProcessGroup
        do {
            group = try MPIProcessGroup()
        } catch {
            writeToStandardError("\(error)\n")
            exit(1)
        }
        do {
            let result = try body(group)
            try group.finalize()
            return result
        } catch let error as DistributedError {
            if case .configurationMismatch = error {
                writeToStandardError("rank \(group.rank)/\(group.size): \(error)\n")
                try? group.finalize()
                exit(2)
            }
            group.abort(message: "\(error)", code: 1)
        } catch {
            group.abort(message: "\(error)", code: 1)
        }
    }

    /// Calls `MPI_Finalize` (once; later calls do nothing). Every rank must call it before a
    /// normal exit; no collective may follow.
    public func finalize() throws {
        guard !isFinalized else { return }
        isFinalized = true
        var finalized: Int32 = 0
        _ = MPI_Finalized(&finalized)
        if finalized == 0 { try MPIProcessGroup.check(MPI_Finalize(), "MPI_Finalize") }
    }

    /// Sums `values` element-wise over all ranks in place (`MPI_Allreduce` with `MPI_IN_PLACE`,
    /// `MPI_FLOAT`, `MPI_SUM`), in chunks of at most `Int32.max` elements.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try allReduce(values, datatype: cmpi_float(), bytesPerElement: MemoryLayout<Float>.stride)
    }

    /// Sums `values` element-wise over all ranks in place (`MPI_DOUBLE`), for metrics.
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try allReduce(values, datatype: cmpi_double(), bytesPerElement: MemoryLayout<Double>.stride)
    }

    /// Copies rank `root`'s `values` into every rank's `values` (`MPI_Bcast`, `MPI_FLOAT`).
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try broadcast(UnsafeMutableRawBufferPointer(values), root: root)
    }

    /// Copies rank `root`'s bytes into every rank's `bytes` (`MPI_Bcast`, `MPI_BYTE`); all ranks
    /// pass buffers of the same length.
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        precondition((0..<size).contains(root), "MPIProcessGroup.broadcast: root \(root) is not a rank of 0..<\(size)")
        try requireLive("MPI_Bcast")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        let start = MPIProcessGroup.now()
        var offset = 0
        while offset < bytes.count {
            let chunk = min(maximumChunk, bytes.count - offset)
            try MPIProcessGroup.check(
                MPI_Bcast(base + offset, Int32(chunk), cmpi_byte(), Int32(root), world), "MPI_Bcast")
            offset += chunk
        }
        statistics.broadcastCalls += 1
        statistics.broadcastBytes += bytes.count
        statistics.broadcastSeconds += MPIProcessGroup.now() - start
    }

    /// Waits until every rank has reached this call (`MPI_Barrier`).
    public func barrier() throws {
        try requireLive("MPI_Barrier")
        try MPIProcessGroup.check(MPI_Barrier(world), "MPI_Barrier")
    }

    /// Prints `message` to standard error with this rank's number and ends every rank of the job
    /// with exit status `code` (`MPI_Abort` on `MPI_COMM_WORLD`).
    public func abort(message: String, code: Int32) -> Never {
        let line = "rank \(rank)/\(size) (\(processorName)): \(message)\n"
        writeToStandardError(line)
        var finalized: Int32 = 0
        _ = MPI_Finalized(&finalized)
        if finalized == 0 { _ = MPI_Abort(world, code) }
        // MPI_Abort does not return on Open MPI; this covers a group that was already finalised.
        exit(code)
    }

    /// Resets `statistics` to zero, for example after warm-up steps.
    public func resetStatistics() {
        statistics = CollectiveStatistics()
    }

    private func allReduce<Element>(
        _ values: UnsafeMutableBufferPointer<Element>, datatype: MPI_Datatype, bytesPerElement: Int
    ) throws {
        try requireLive("MPI_Allreduce")
        guard let base = values.baseAddress, values.count > 0 else { return }
        let start = MPIProcessGroup.now()
        var offset = 0
        while offset < values.count {
            let chunk = min(maximumChunk, values.count - offset)
            try MPIProcessGroup.check(
                MPI_Allreduce(cmpi_in_place(), base + offset, Int32(chunk), datatype, cmpi_op_sum(), world),
                "MPI_Allreduce")
            offset += chunk
        }
        statistics.allReduceCalls += 1
        statistics.allReduceBytes += values.count * bytesPerElement
        statistics.allReduceSeconds += MPIProcessGroup.now() - start
    }

    private func requireLive(_ operation: String) throws {
        if isFinalized { throw DistributedError.finalized(operation: operation) }
    }

    /// Seconds on MPI's wall clock (`MPI_Wtime`), for timing collectives.
    public static func now() -> Double { MPI_Wtime() }

    /// Throws `DistributedError.mpiCall` with MPI's message when `code` is not `MPI_SUCCESS`.
    static func check(_ code: Int32, _ function: String) throws {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        let message: String
        if MPI_Error_string(code, &text, &length) == MPI_SUCCESS {
            message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            message = "unknown MPI error"
        }
        throw DistributedError.mpiCall(function: function, code: code, message: message)
    }
}

/// Counts and wall time of the collectives an `MPIProcessGroup` has run, to report the cost of
/// communication per training step.
public struct CollectiveStatistics: Sendable, Equatable {
    /// Number of `allReduceSum` calls.
    public var allReduceCalls = 0
    /// Bytes summed by `allReduceSum`, counted once per call (not per rank or per message).
    public var allReduceBytes = 0
    /// Wall seconds spent inside `MPI_Allreduce`, including waiting for slower ranks.
    public var allReduceSeconds = 0.0
    /// Number of `broadcast` calls.
    public var broadcastCalls = 0
    /// Bytes broadcast.
    public var broadcastBytes = 0
    /// Wall seconds spent inside `MPI_Bcast`.
    public var broadcastSeconds = 0.0

    /// Creates zeroed statistics.
    public init() {}
}
