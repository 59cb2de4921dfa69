@testable import LARSData

/// libFuzzer entry for the PNG reader (libpng's simplified API behind `PNGImage`): every input
/// must decode or be refused with a `DatasetError`, never trap, and never make it allocate a
/// pixel buffer larger than the file's bytes can inflate to.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = FuzzFile.write(fuzzBytes(data, size))
    _ = try? PNGImage(contentsOf: path)
    return 0
}
