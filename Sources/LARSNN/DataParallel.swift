import Dispatch

/// Data parallelism inside one process: identical replicas of a model each take a contiguous
/// share of the batch on their own thread, and together compute exactly what the model computes
/// on the whole batch (up to the order of floating-point sums).
///
/// Why: on a few cores, one model whose kernels each spread over all cores spends much of its
/// time handing work between threads (OpenBLAS's workers spin between calls; every im2col,
/// BatchNorm and pooling loop forks and joins). Replicas with single-threaded kernels share
/// nothing until the BatchNorm statistics and the gradients are summed, as the processes of an
/// MPI job do, but without copying activations or gradients between processes.
///
/// - The first replica is the *primary*: its parameters and buffers are this layer's
///   (`namedParameters`, `namedBuffers`, with the model's own names), so optimizers and
///   checkpoints see one model. Each replica's parameters are bound into one `ParameterStore`
///   of the same layout, so every `forward` first gives each other replica the primary's
///   weights with one copy (1.7 MB for the small CNN), then its BatchNorm buffers.
/// - BatchNorm layers of the replicas exchange their per-channel sums on every training-mode
///   pass (`ReplicaStatisticsExchange`), so normalisation uses the whole batch's statistics.
///   Run training passes through this layer, never through a replica alone: the others would
///   wait for it forever.
/// - `backward` adds the other replicas' gradients to the primary's in replica order (one `axpy`
///   over the whole gradient buffer per replica), so results are deterministic for a given
///   replica count, and zeroes theirs (one fill).
/// - A batch of `n` images uses `min(n, replicas.count)` replicas with shares differing by at
///   most one image. Each replica runs with `context.threads / active replicas` threads; run
///   OpenBLAS single-threaded (`BLASRuntime.setThreads(1)`) when there is a replica per core.
/// - Each replica's `Dropout` layers draw from their own generators, which are not synchronised:
///   replicas built from one seed draw the same mask sequence for their shares.
public final class DataParallel: Layer {
    /// The replicas; `replicas[0]` is the primary.
    public let replicas: [any Layer]
    /// The replica whose parameters and buffers this layer exposes.
    public var primary: any Layer { replicas[0] }
    /// Sums the whole batch's BatchNorm statistics over processes too (synchronised BatchNorm
    /// across an MPI job), or `nil` for this process's batch alone.
    public var outerStatisticsReducer: (any BatchStatisticsReducer)? {
        get { exchange.outer }
        set { exchange.outer = newValue }
    }

    /// Each replica's parameters, in one store of the same layout per replica.
    private let parameterStores: [ParameterStore]
    private let parameterLists: [[Parameter]]
    private let bufferLists: [[Buffer]]
    private let exchange: ReplicaStatisticsExchange
    private let workers: WorkerThreads
    /// The batch shares of the latest training-mode forward, for `backward`.
    private var shares: [Range<Int>]?
    /// Wall-clock seconds spent so far summing the replicas' gradients into the primary's (the
    /// trainer reports it as its own phase of a step; two clock reads per backward).
    public private(set) var gradientSumSeconds: Double = 0

    /// Wraps `replicas` (at least one, distinct objects of the same architecture: the same
    /// parameter and buffer names and shapes) and starts one thread per replica after the first.
    /// Installs its own statistics reducer on every replica's BatchNorm layers and binds each
    /// replica's parameters into one store (`bindParameters()`).
    public init(replicas: [any Layer]) {
        userPrecondition(!replicas.isEmpty, "DataParallel needs at least one replica")
        let names = replicas[0].namedParameters.map(\.name)
        let shapes = replicas[0].namedParameters.map(\.parameter.shape)
        let bufferNames = replicas[0].namedBuffers.map(\.name)
        for (index, replica) in replicas.enumerated() {
            userPrecondition(
                !replicas[..<index].contains { $0 === replica },
                "DataParallel: replica \(index) is the same object as an earlier one; replicas must be distinct models")
            userPrecondition(
                replica.namedParameters.map(\.name) == names
                    && replica.namedParameters.map(\.parameter.shape) == shapes
                    && replica.namedBuffers.map(\.name) == bufferNames,
                "DataParallel: replica \(index) has other parameters or buffers than replica 0")
        }
        self.replicas = replicas
        parameterStores = replicas.map { $0.bindParameters() }
        parameterLists = replicas.map(\.parameters)
        let primaryParameters = replicas[0].parameters
        for (index, replica) in replicas.enumerated() {
            userPrecondition(
                ParameterStore.sameLayout(replica.parameters, primaryParameters),
                "DataParallel: replica \(index) does not list its parameters in one store like replica 0")
        }
        bufferLists = replicas.map { $0.namedBuffers.map(\.buffer) }
        exchange = ReplicaStatisticsExchange(replicas: replicas.count)
        workers = WorkerThreads(workers: replicas.count - 1)
        for (index, replica) in replicas.enumerated() {
            replica.setBatchStatisticsReducer(ReplicaStatisticsReducer(exchange: exchange, replica: index))
        }
        for replica in replicas { LayerPath.name(descendantsOf: replica, under: "") }
    }

    /// `count` replicas made by `make` (called `count` times; each call must build a new model).
    public convenience init(count: Int, make: () -> any Layer) {
        userPrecondition(count >= 1, "DataParallel needs at least one replica, got \(count)")
        self.init(replicas: (0..<count).map { _ in make() })
    }

    /// The primary replica (the others are its copies) under the empty name, so parameter names
    /// are the replica's own.
    public var sublayers: [(name: String, layer: any Layer)] { [("", primary)] }

    /// The primary replica's verdict on an input shape.
    public func validateInput(shape: [Int]) -> String? {
        primary.validateInput(shape: shape)
    }

    /// `n` images split into `min(n, replicas)` contiguous shares.
    private func split(_ n: Int) -> [Range<Int>] {
        let k = max(1, min(n, replicas.count))
        return (0..<k).map { (n * $0 / k)..<(n * ($0 + 1) / k) }
    }

    /// Makes every other replica's parameters and buffers equal to the primary's, copying into
    /// their own storage (one copy of the value buffer per replica, then each BatchNorm buffer).
    private func synchroniseReplicas() {
        func copy(_ source: Tensor, into target: inout Tensor) {
            guard target.shape == source.shape else {
                target = source  // a replaced tensor of another shape: share, then diverge on write
                return
            }
            source.withUnsafeBufferPointer { from in
                target.withUnsafeMutableBufferPointer { to in _ = to.update(fromContentsOf: from) }
            }
        }
        let source = parameterStores[0]
        for other in 1..<replicas.count {
            parameterStores[other].values.update(from: source.values, count: source.count)
            for (target, source) in zip(bufferLists[other], bufferLists[0]) { copy(source.value, into: &target.value) }
        }
    }

    /// Stops when a replica's parameters left the store bound at creation (a replica rebound
    /// after layers were added to it): whole-buffer copies would then miss parameters.
    private func requireStoresUnchanged() {
        for (store, list) in zip(parameterStores, parameterLists) where !list.allSatisfy({ $0.store === store }) {
            fatalError("\(layerDescription): a replica's parameters were rebound after DataParallel was made; wrap the finished models")
        }
    }

    /// Runs `body(replica, share, context)` for every share, each replica on its own thread with
    /// its share of `context.threads`, and returns the results in replica order.
    private func runShares(
        _ shares: [Range<Int>], context: ExecutionContext,
        _ body: @escaping (any Layer, Range<Int>, ExecutionContext) -> Tensor
    ) -> [Tensor] {
        // Set before any replica runs, also when only the primary does (a one-image batch):
        // BatchNorm's exchange must not wait for replicas that have no share.
        exchange.participants = shares.count
        var local = context
        local.threads = max(1, context.threads / shares.count)
        let replicas = self.replicas
        let results = ResultSlots(count: shares.count)
        workers.run(shares.indices.map { index in
            { results.store(body(replicas[index], shares[index], local), at: index) }
        })
        return results.tensors
    }

    /// The model's output for `input` (`[N, ...]` in, `[N, ...]` out, the model's shapes), each
    /// replica computing the rows of its share of the `N` items.
    public func forward(_ input: Tensor, context: ExecutionContext) -> Tensor {
        requireValidInput(input.shape)
        if replicas.count > 1 {
            requireStoresUnchanged()
            synchroniseReplicas()
        }
        let shares = split(input.shape[0])
        self.shares = context.isTraining ? shares : nil
        if shares.count == 1 {
            return runShares(shares, context: context) { replica, _, c in replica.forward(input, context: c) }[0]
        }
        let outputs = runShares(shares, context: context) { replica, share, c in
            replica.forward(input.batch(share), context: c)
        }
        return Tensor(concatenatingBatches: outputs)
    }

    /// Back-propagates `outputGradient` (`[N, ...]`, the `N` of the latest training-mode forward);
    /// returns dL/dx for the whole batch (an empty tensor when the model's first layer skips it)
    /// and adds the parameter gradients of all replicas to the primary's.
    public func backward(_ outputGradient: Tensor, context: ExecutionContext) -> Tensor {
        guard let shares else {
            userPreconditionFailure("\(layerDescription): backward called without a training-mode forward")
        }
        userPrecondition(
            outputGradient.rank >= 1 && outputGradient.shape[0] == shares.last!.upperBound,
            "\(layerDescription): output gradient \(outputGradient.shape) does not match the batch of \(shares.last!.upperBound) images of the last forward")
        if shares.count == 1 {
            return runShares(shares, context: context) { replica, _, c in replica.backward(outputGradient, context: c) }[0]
        }
        let inputGradients = runShares(shares, context: context) { replica, share, c in
            replica.backward(outputGradient.batch(share), context: c)
        }
        let sumStart = DispatchTime.now().uptimeNanoseconds
        sumGradientsIntoPrimary(replicaCount: shares.count, backend: context.backend)
        gradientSumSeconds += Double(DispatchTime.now().uptimeNanoseconds - sumStart) * 1e-9
        // A first layer that skips dL/dx returns an empty tensor from every replica.
        if inputGradients.allSatisfy({ $0.count == 0 }) { return inputGradients[0] }
        return Tensor(concatenatingBatches: inputGradients)
    }

    /// `primary.grad += replica.grad` (the backend's `axpy`) for the active replicas in order,
    /// then zeroes theirs, so the next backward starts from zero as `Layer`'s
    /// accumulate-until-`zeroGrad` contract needs.
    private func sumGradientsIntoPrimary(replicaCount: Int, backend: any KernelBackend) {
        let total = parameterStores[0]
        for other in 1..<replicaCount {
            let theirs = parameterStores[other]
            backend.axpy(n: total.count, alpha: 1, x: theirs.gradients, y: total.gradients)
            theirs.zeroGradients()
        }
    }
}

/// One result per replica, written by the replicas' threads into disjoint, preallocated slots
/// (no shared Swift array is mutated from several threads).
private final class ResultSlots {
    private let slots: UnsafeMutablePointer<Tensor?>
    private let count: Int
    init(count: Int) {
        self.count = count
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil, count: count)
    }
    deinit {
        slots.deinitialize(count: count)
        slots.deallocate()
    }
    /// Called once per index, from the replica's thread; `WorkerThreads.run` orders it before
    /// `tensors` is read.
    func store(_ tensor: Tensor, at index: Int) { slots[index] = tensor }
    var tensors: [Tensor] { (0..<count).map { slots[$0]! } }
}
