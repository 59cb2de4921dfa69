#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the processor says about itself in `/proc/cpuinfo` (Linux): vendor, model and the
/// instruction-set flags that decide which OpenBLAS kernel can run.
public struct CPUInfo: Sendable, Equatable {
    /// `GenuineIntel`, `AuthenticAMD`, ... (empty if unknown).
    public var vendor: String
    /// The marketing name, such as `AMD EPYC` or `Intel(R) Xeon(R) Platinum 8581C`.
    public var modelName: String
    /// The x86 family number (6 for most Intel cores, 25 for AMD Zen 3/4), or -1 if unknown.
    public var family: Int
    /// The x86 model number, or -1 if unknown.
    public var model: Int
    /// The lower-case instruction-set flags, such as `avx2`, `fma`, `avx512f`, `avx512_bf16`.
    public var flags: Set<String>

    /// Creates a description from its parts (tests use this to describe CPUs they do not run on).
    public init(vendor: String, modelName: String, family: Int, model: Int, flags: Set<String>) {
        self.vendor = vendor
        self.modelName = modelName
        self.family = family
        self.model = model
        self.flags = flags
    }

    /// Whether the CPU runs OpenBLAS's AVX-512 kernels (`SkylakeX` and later): AVX-512 F, BW, VL, DQ.
    public var hasAVX512: Bool { CPUInfo.hasAVX512(flags) }
    /// Whether the CPU runs OpenBLAS's AVX2 kernels (`Haswell`, `Zen`): AVX2 and FMA.
    public var hasAVX2: Bool { CPUInfo.hasAVX2(flags) }
    /// Whether the CPU has the AVX-512 BF16 extension (Cooper Lake, Sapphire Rapids and later).
    public var hasAVX512BF16: Bool { flags.contains("avx512_bf16") }
    /// Whether the vendor is AMD.
    public var isAMD: Bool { vendor == "AuthenticAMD" }

    static func hasAVX512(_ flags: Set<String>) -> Bool {
        ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains)
    }

    static func hasAVX2(_ flags: Set<String>) -> Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The strongest vector extension, for one-line reports: `AVX-512`, `AVX2`, `AVX`, `SSE2` or `unknown`.
    public var vectorExtension: String {
        if hasAVX512 { return hasAVX512BF16 ? "AVX-512+BF16" : "AVX-512" }
        if hasAVX2 { return "AVX2" }
        if flags.contains("avx") { return "AVX" }
        if flags.contains("sse2") { return "SSE2" }
        return "unknown"
    }

    /// The CPU this process runs on, from the first processor entry of `/proc/cpuinfo`; fields
    /// that cannot be read stay empty (or -1).
    public static func current() -> CPUInfo {
        CPUInfo(parsing: readTextFile("/proc/cpuinfo") ?? "")
    }

    /// Parses the text of `/proc/cpuinfo`; only the first processor's block is read.
    public init(parsing text: String) {
        self.init(vendor: "", modelName: "", family: -1, model: -1, flags: [])
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !vendor.isEmpty || !flags.isEmpty { break }  // end of the first processor
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters()
            let value = line[line.index(after: colon)...].trimmingCharacters()
            switch key {
            case "vendor_id": vendor = value
            case "model name": modelName = value
            case "cpu family": family = Int(value) ?? -1
            case "model": model = Int(value) ?? -1
            case "flags": flags = Set(value.split(separator: " ").map { $0.lowercased() })
            default: break
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// The whole content of a small text file, or nil if it cannot be read.
func readTextFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
