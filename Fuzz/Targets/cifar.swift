@testable import LARSData

/// libFuzzer entry for the CIFAR record reader: CIFAR-10 (one label byte) and CIFAR-100 (coarse
/// and fine) layouts, in memory and as a plain or gzip file; refusals are fine, traps are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFAR(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let path = FuzzFile.write(bytes)
    for (counts, index) in [([10], 0), ([20, 100], 1)] {
        var images: [UInt8] = []
        var labels: [Int] = []
        _ = try? CIFARRecords.parse(bytes, path: "fuzz", labelClassCounts: counts, labelIndex: index, images: &images, labels: &labels)
        _ = try? CIFARRecords.read(path, labelClassCounts: counts, labelIndex: index, missingHint: "", images: &images, labels: &labels)
    }
    return 0
}
