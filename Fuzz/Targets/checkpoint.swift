@testable import LARSTraining

/// libFuzzer entry for checkpoint metadata: the input is read as a safetensors file and its
/// metadata parsed as a swift-lars checkpoint's; refusals are fine, traps are not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    if let file = try? SafeTensors.decode(bytes, path: "fuzz") {
        _ = try? CheckpointMetadata.parse(file.metadata, path: "fuzz")
    }
    return 0
}
