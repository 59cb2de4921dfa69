@testable import LARSTraining

/// libFuzzer entry for the safetensors reader, in memory (`decode`) and from a file (`read`,
/// which checks the header against the file before reading tensors); the two must agree on
/// whether the input is valid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let inMemory = try? SafeTensors.decode(bytes, path: "fuzz")
    let fromFile = try? SafeTensors.read(FuzzFile.write(bytes))
    if (inMemory == nil) != (fromFile == nil) {
        fatalError("fuzz: decode and read disagree on a \(bytes.count)-byte input")
    }
    return 0
}
