import ArgumentParser
import Foundation
import SwiftLARS

/// `lars-bench`: OpenBLAS against the pure-Swift kernels, and the framework against the machine's
/// ceiling. Every backend is checked against the naive reference before it is timed.
@main
struct LarsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lars-bench",
        abstract: "Benchmark OpenBLAS against the pure-Swift kernels and the framework against the machine's ceiling.",
        discussion: """
            Groups: gemm (square and model shapes, plus the framework-overhead rows), vector (nrm2, dot, axpy),
            conv (im2col/col2im and each ResNet-20 convolution layer), optimizer (SGD, LARS, LAMB steps over
            ResNet-20's parameters), train (whole training steps), microbatch (trainer steps at batch 512 against
            8,192 through micro-batches, with peak memory, and the micro-batch size sweep), engines (every ResNet-20 and small-CNN
            convolution forward, backward-data and backward-weights on oneDNN and on im2col + OpenBLAS, and their BatchNorm,
            BatchNorm + ReLU and pooling forward and forward + backward per engine), engine-train (whole
            training steps per convolution engine), end-to-end (whole epochs of the real trainer on Fashion-MNIST,
            interleaved with the step at the same shapes, with the share of each phase). The ceiling (OpenBLAS gemm 2048 with one and all
            threads, streaming triad) is always measured. Build with -c release.
            """)

    @Flag(help: "Fewer sizes and repetitions (finishes in under a minute).")
    var quick = false

    @Option(help: "Comma-separated groups to run: gemm, vector, conv, optimizer, train, microbatch, engines, engine-train, end-to-end (default: all).")
    var filter: String?

    @Option(
        name: .customLong("conv-engine"),
        help: "Convolution engines of the engines and engine-train rows: onednn, openblas or both (default: both when oneDNN is compiled in).")
    var convolutionEngine: String = "both"

    @Option(help: "Thread counts: 1, 2, all, or both (= 1 and all).")
    var threads: String = "both"

    @Flag(help: "Also run the OpenBLAS rows at the generic Prescott core (a child process with OPENBLAS_CORETYPE=Prescott).")
    var genericCore = false

    @Option(help: "Write the report as JSON to this path.")
    var json: String?

    @Option(help: "Write the rows as CSV to this path.")
    var csv: String?

    @Flag(help: "Do not print a progress line per row on stderr.")
    var quiet = false

    @Flag(help: .hidden)
    var genericChild = false

    @Option(help: .hidden)
    var memoryChild: Int?

    static let groups = ["gemm", "vector", "conv", "optimizer", "train", "microbatch", "engines", "engine-train", "end-to-end"]

    func validate() throws {
        _ = try threadCounts()
        _ = try selectedGroups()
        _ = try engines()
    }

    /// The engines `--conv-engine` names, each available in this build.
    func engines() throws -> [ConvolutionEngine] {
        if convolutionEngine.lowercased() == "both" { return ConvolutionEngine.available }
        guard let engine = ConvolutionEngine(rawValue: convolutionEngine.lowercased()) else {
            throw ValidationError("--conv-engine must be onednn, openblas or both, not '\(convolutionEngine)'")
        }
        guard engine.isAvailable else {
            throw ValidationError("the \(engine) convolution engine is not compiled into this build (install libdnnl-dev and rebuild)")
        }
        return [engine]
    }

    func threadCounts() throws -> [Int] {
        let all = MachineInfo.processors
        switch threads.lowercased() {
        case "both": return all > 1 ? [1, all] : [1]
        case "all": return [all]
        default:
            guard let n = Int(threads), n >= 1 else {
                throw ValidationError("--threads must be 1, 2, all or both, not '\(threads)'")
            }
            return [min(n, all)]
        }
    }

    func selectedGroups() throws -> [String] {
        guard let filter else { return Self.groups }
        let names = filter.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for name in names where !Self.groups.contains(name) {
            throw ValidationError("unknown group '\(name)' in --filter; choose from \(Self.groups.joined(separator: ", "))")
        }
        return names
    }

    func run() throws {
        if let memoryChild {
            _ = BLASControl.prepare(useBestCore: true)
            try MicroBatchGroup.memoryChild(batch: memoryChild, threads: try threadCounts().max()!)
            return
        }
        let threadCounts = try threadCounts()
        let groups = try selectedGroups()
        let blas = BLASControl.prepare(useBestCore: !genericChild)
        // As the trainer does: the train rows would otherwise time page faults.
        HeapTuning.keepLargeBlocksInHeap()
        let bench = BenchRunner(quick: quick, threadCounts: threadCounts, openBLASOnly: genericChild, verbose: !quiet)
        let loadAtStart = MachineInfo.loadAverage
        var header = makeHeader(blas: blas, groups: groups, threadCounts: threadCounts)
        if !quiet && !genericChild {
            FileHandle.standardError.write("CPU \(header.cpu)\nBLAS \(blas)\nmeasuring the ceiling...\n".data(using: .utf8)!)
        }

        let start = Date()
        let ceilingThreads = MachineInfo.processors > 1 ? [1, MachineInfo.processors] : [1]
        let ceiling = genericChild ? Ceiling() : try CeilingGroup.run(bench, threads: ceilingThreads)
        for group in groups { try run(group: group, bench) }
        if genericCore && !genericChild {
            let child = try GenericCoreChild.run(groups: groups, quick: quick, threads: threads)
            bench.append(contentsOf: child.rows)
            header.blas += "\nBLAS (openblas-generic rows, child process): \(child.blas)"
        }

        header.loadAverage = "\(loadAtStart) -> \(MachineInfo.loadAverage)"
        let report = BenchReport(header: header, ceiling: ceiling, rows: Report.derive(bench.rows, ceiling: ceiling))
        try write(report)
        if !genericChild {
            print(Report.table(report))
            print(String(format: "total %.1f s", Date().timeIntervalSince(start)))
        }
    }

    /// The machine, the BLAS, the build, what is run and when.
    func makeHeader(blas: String, groups: [String], threadCounts: [Int]) -> BenchHeader {
        BenchHeader(
            cpu: MachineInfo.cpuDescription(), processors: MachineInfo.processors, blas: blas,
            build: MachineInfo.buildDescription,
            mode: "\(quick ? "quick" : "full"); groups \(groups.joined(separator: ",")); threads \(threadCounts.map(String.init).joined(separator: ","))",
            date: ISO8601DateFormatter().string(from: Date()))
    }

    /// Runs one `--filter` group's rows; the generic-core child runs only the OpenBLAS groups.
    func run(group: String, _ bench: BenchRunner) throws {
        switch group {
        case "gemm":
            try GEMMGroup.run(bench)
            try OverheadGroup.run(bench)
        case "vector": try VectorGroup.run(bench)
        case "conv": try ConvGroup.run(bench)
        case "optimizer": try OptimizerGroup.run(bench)
        case "train": try TrainGroup.run(bench)
        case "microbatch": if !genericChild { try MicroBatchGroup.run(bench) }
        case "engines":
            if !genericChild {
                try EngineConvGroup.run(bench, engines: try engines())
                try EngineNormPoolGroup.run(bench, engines: try engines())
            }
        case "engine-train": if !genericChild { try EngineTrainGroup.run(bench, engines: try engines()) }
        case "end-to-end": if !genericChild { try EndToEndGroup.run(bench) }
        default: break
        }
    }

    /// Writes the `--json` and `--csv` files asked for.
    func write(_ report: BenchReport) throws {
        if let json { try Report.json(report).write(to: URL(fileURLWithPath: json)) }
        if let csv { try Report.csv(report).write(toFile: csv, atomically: true, encoding: .utf8) }
    }
}
