#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much memory a training step will take, estimated before the first one, and how much
/// the machine has: a step that cannot fit is refused with both figures instead of growing
/// until the system kills it.
///
/// The per-image cost is measured, not guessed: throwaway copies of the model run a
/// training-mode forward and backward pass on 8 and on 24 blank images and the heap's growth is
/// read (glibc's `mallinfo2`, through `HeapTuning.bytesInUse`). Against the peak resident size of
/// real runs it errs high (heap blocks a pass holds but never fully touches; docs/lars-train.md),
/// so it refuses only what clearly cannot fit. That covers every layer's caches and gradients, whatever the
/// model. The rest of the process (data sets, the model itself, the program) is its resident
/// size when the estimate is made.
public struct MemoryEstimate: Sendable, Equatable {
    /// Bytes of heap one image of a training pass holds at its peak (caches, activations and
    /// their gradients).
    public var bytesPerImage: Int
    /// Images one pass of this process runs at once (all its replicas together).
    public var imagesPerPass: Int
    /// Bytes the process held when the estimate was made (data, model, program).
    public var residentBytes: Int
    /// Bytes that do not grow with the batch: the replicas beyond the first and the optimizer's
    /// state (`parameters x 4` bytes per copy), and the workspaces a pass sizes once.
    public var stateBytes: Int

    /// The most images one pass could run within `bytes` (the same margin as `peakBytes`).
    public func imagesFitting(in bytes: Int) -> Int {
        max(0, (bytes - residentBytes - stateBytes) * 4 / 5 / max(bytesPerImage, 1))
    }

    /// The estimated peak of the process, in bytes. The per-image part carries a 25 % margin for
    /// the allocator's fragmentation and the prefetched batches.
    public var peakBytes: Int { residentBytes + stateBytes + bytesPerImage * imagesPerPass * 5 / 4 }

    /// Measures the heap cost of a training pass of a model made by `make()` on blank images
    /// of `shape` (channels, height, width): the cost per image and the part that does not grow
    /// with the batch (workspaces sized once), from two throwaway models on 8 and 24 images
    /// (past the first images, whose workspaces would inflate a per-image figure).
    public static func measure(
        shape: [Int], context: ExecutionContext, make: () throws -> any Layer
    ) rethrows -> (perImage: Int, fixed: Int) {
        let small = try passBytes(images: 8, shape: shape, context: context, model: make())
        let large = try passBytes(images: 24, shape: shape, context: context, model: make())
        let perImage = max(0, large - small) / 16
        return (perImage, max(0, small - 8 * perImage))
    }

    /// The heap growth at the peak of one training-mode forward and backward pass of `model`
    /// on `images` blank images.
    static func passBytes(images: Int, shape: [Int], context: ExecutionContext, model: any Layer) -> Int {
        var training = context
        training.isTraining = true
        training.threads = 1
        let before = HeapTuning.bytesInUse
        let logits = model.forward(Tensor(zeros: [images] + shape), context: training)
        let afterForward = HeapTuning.bytesInUse
        let (_, gradient) = softmaxCrossEntropy(logits: logits, labels: [Int](repeating: 0, count: images))
        _ = model.backward(gradient, context: training)
        let afterBackward = HeapTuning.bytesInUse
        return max(afterForward, afterBackward) - before
    }

    /// This process's resident size in bytes (`/proc/self/statm`), or 0 where it cannot be read.
    public static func residentBytes() -> Int {
        guard let text = try? readTextFile("/proc/self/statm") else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The memory this process may use: the machine's (`MemTotal`), or its control group's
    /// limit when that is lower; `nil` where neither can be read.
    public static func machineBytes() -> Int? {
        var limit: Int?
        if let text = try? readTextFile("/proc/meminfo"),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        {
            limit = kilobytes * 1024
        }
        if let text = try? readTextFile("/sys/fs/cgroup/memory.max"),
            let bytes = Int(text.trimmingWhitespace), bytes < (limit ?? Int.max)
        {
            limit = bytes
        }
        return limit
    }
}

/// `1.4 GB`, `512 MB`, `97 KB`: bytes as a person reads them.
public func formatBytes(_ bytes: Int) -> String {
    let value = Double(bytes)
    if value >= 1e9 { return format(value / 1e9, 1) + " GB" }
    return value >= 1e6 ? format(value / 1e6, 0) + " MB" : format(value / 1e3, 0) + " KB"
}
