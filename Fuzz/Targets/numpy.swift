@testable import LARSData

/// libFuzzer entry for the NumPy readers: an input is tried as a `.npy` array in memory, as a
/// zip (`.npz`) directory whose members are inflated and parsed, and as files through
/// `NumPyArray(contentsOf:)` and `NumPyArchive`; each must be accepted or refused with a
/// `DatasetError`, never trap or allocate more than the input can justify.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    if let array = try? NumPyArray(npyBytes: bytes, path: "fuzz") {
        _ = try? NumPyDataset.make(images: array, labels: array, imagesPath: "x", labelsPath: "y", name: "fuzz")
    }
    if let directory = try? ZipDirectory.parse(bytes, path: "fuzz") {
        for entry in directory.entries.prefix(8) {
            if let member = try? ZipDirectory.extract(entry, from: bytes, path: "fuzz") {
                _ = try? NumPyArray(npyBytes: member, path: "fuzz")
            }
        }
    }
    let path = FuzzFile.write(bytes)
    _ = try? NumPyArray(contentsOf: path)
    if let archive = try? NumPyArchive(contentsOf: path) {
        for name in archive.names.prefix(8) { _ = try? archive.array(name) }
    }
    return 0
}
