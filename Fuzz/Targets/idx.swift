@testable import LARSData

/// libFuzzer entry for the IDX reader: every input must be accepted or refused with a
/// `DatasetError`, never trap, both in memory (ranks 1 and 3) and as a plain or gzip file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    for rank in [1, 3] {
        _ = try? IDXFile.parse(bytes, path: "fuzz", rank: rank)
    }
    let path = FuzzFile.write(bytes)
    for rank in [1, 3] {
        _ = try? IDXFile.read(path, rank: rank, missingHint: "")
    }
    return 0
}
