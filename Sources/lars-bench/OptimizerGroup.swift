import Foundation
import SwiftLARS

/// One optimizer step of SGD (momentum 0.9), LARS and LAMB over ResNet-20's 272k parameters
/// (grouped by kind: weights adapted and decayed, biases and BatchNorm parameters excluded).
/// Rates are in GB/s of a nominal 20 bytes per parameter (SGD's minimal traffic: read w, g, v,
/// write w, v), so every row is comparable; the note gives each step's cost relative to SGD's
/// with the same non-finite policy: defaults (every optimizer checks the gradients before
/// anything moves) against defaults, unchecked against unchecked.
enum OptimizerGroup {
    /// The optimizers in table order: SGD and LARS with their defaults, then both unchecked (LARS
    /// also without telemetry), LARS checked without telemetry (what the per-layer records
    /// cost), then LAMB.
    static let kinds = [
        "SGD momentum", "LARS", "SGD momentum (unchecked)", "LARS (unchecked, no telemetry)", "LARS (no telemetry)", "LAMB",
    ]

    /// The kind whose step each kind's cost is compared with (SGD with the same policy).
    static func baseline(of kind: String) -> String? {
        switch kind {
        case "SGD momentum", "SGD momentum (unchecked)": return nil
        case "LARS (unchecked, no telemetry)": return "SGD momentum (unchecked)"
        default: return "SGD momentum"
        }
    }

    static func make(_ kind: String, _ parameters: [NamedParameter]) -> any Optimizer {
        let groups = ParameterGroup.byKind(parameters, weightDecay: 5e-4)
        switch kind {
        case "SGD momentum": return SGD(groups: groups, momentum: 0.9)
        case "SGD momentum (unchecked)": return SGD(groups: groups, momentum: 0.9, nonFiniteGradients: .unchecked)
        case "LARS": return LARS(groups: groups)
        case "LARS (no telemetry)":
            return LARS(groups: groups, options: LARS.Options(recordsTelemetry: false))
        case "LARS (unchecked, no telemetry)":
            return LARS(groups: groups, options: LARS.Options(nonFiniteGradients: .unchecked, recordsTelemetry: false))
        default: return LAMB(groups: groups)
        }
    }

    /// ResNet-20 with random gradients in every parameter.
    static func model(seed: UInt64) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        let net = Models.resNet(depth: 20, generator: &generator)
        for p in net.parameters {
            p.grad = Tensor(normal: p.value.shape, standardDeviation: 0.01, generator: &generator)
        }
        return net
    }

    static func run(_ bench: BenchRunner) throws {
        var backends: [(String, any KernelBackend)] = [(bench.openBLASName, OpenBLASBackend())]
        if !bench.openBLASOnly { backends.append(("swift", SwiftBackend.tuned)) }
        try check()
        let net = model(seed: 51)
        let count = net.parameterCount
        let shape = "resnet20, \(count) parameters"
        for threads in bench.threadCounts {
            BLASControl.setThreads(threads)
            for (name, backend) in backends {
                if name == "swift" && threads != 1 { continue }  // the Swift vector kernels are single-threaded
                let context = ExecutionContext(backend: backend, threads: threads)
                let optimizers = kinds.map { make($0, net.namedParameters) }
                // Interleaved: one step of each optimizer per round, so that the shared machine's
                // drift hits all of them alike and the ratios to SGD hold.
                let plan = bench.plan
                let rounds = bench.quick ? 41 : 201
                var samples = [[Double]](repeating: [], count: kinds.count)
                for optimizer in optimizers { for _ in 0..<max(1, plan.warmup) { try optimizer.step(learningRate: 1e-4, context: context) } }
                for _ in 0..<rounds {
                    for (i, optimizer) in optimizers.enumerated() {
                        let start = DispatchTime.now().uptimeNanoseconds
                        try optimizer.step(learningRate: 1e-4, context: context)
                        samples[i].append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
                    }
                }
                let timings = samples.map { TimingSample(times: $0) }
                for (i, kind) in kinds.enumerated() {
                    bench.add(BenchRow(group: "optimizer", name: "\(kind) step", shape: shape, backend: name, threads: threads,
                                       timing: timings[i], work: Double(20 * count), unit: .gbytes))
                    if let base = baseline(of: kind), let b = kinds.firstIndex(of: base) {
                        bench.annotateLast(String(format: "%.2fx the %@ step", timings[i].median / timings[b].median, base))
                    }
                }
            }
        }
    }

    /// Each optimizer's step on OpenBLAS must match the step on the naive Swift backend.
    static func check() throws {
        for kind in kinds {
            let a = model(seed: 52), b = model(seed: 52)
            let oa = make(kind, a.namedParameters), ob = make(kind, b.namedParameters)
            for _ in 0..<2 {
                try oa.step(learningRate: 0.1, context: ExecutionContext(backend: OpenBLASBackend(), threads: 1))
                try ob.step(learningRate: 0.1, context: ExecutionContext(backend: SwiftBackend.naive, threads: 1))
            }
            try requireAgreement(a.namedParameters, b.namedParameters, kind: kind)
        }
    }

    /// Throws naming the first parameter whose values differ between the two runs by more than
    /// 1e-5 of its largest magnitude (at least 1e-3).
    static func requireAgreement(_ a: [NamedParameter], _ b: [NamedParameter], kind: String) throws {
        for (pa, pb) in zip(a, b) {
            let diff = zip(pa.parameter.value.scalars, pb.parameter.value.scalars).map { abs($0 - $1) }.max() ?? 0
            let scale = pa.parameter.value.scalars.map(abs).max() ?? 1
            if diff > 1e-5 * max(scale, 1e-3) {
                throw BenchCheckError(message: "\(kind): \(pa.name) differs between openblas and swift-naive by \(diff)")
            }
        }
    }
}
