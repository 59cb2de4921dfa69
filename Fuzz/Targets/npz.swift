import Glibc
@testable import LARSData

/// libFuzzer entry for `.npz` archives: an input is opened as an archive, every member's `.npy`
/// header is read alone (`NumPyArchive.header`), then the member is inflated; and the input is
/// loaded as a Keras-style `.npz` data set, which checks the image header before inflating the
/// images. Each must be accepted or refused with a `DatasetError`, never trap, and never allocate
/// more than the input's bytes can justify (run.sh's malloc limit).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPZ(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let path = FuzzFile.write(bytes)
    if let archive = try? NumPyArchive(contentsOf: path) {
        for name in archive.names.prefix(8) {
            _ = try? archive.header(name)
            _ = try? archive.array(name)
        }
    }
    // The data-set loader takes an archive by its .npz name.
    _ = try? NumPyDataset.load(NPZLink.path, split: .train)
    return 0
}

/// A `.npz`-named link to the scratch file, made once per process.
enum NPZLink {
    static let path: String = {
        let link = FuzzFile.path + ".npz"
        unlink(link)
        symlink(FuzzFile.path, link)
        atexit { unlink(NPZLink.path) }
        return link
    }()
}
