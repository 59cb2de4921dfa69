import CPNG
import Glibc

extension ImageFolder {
    /// Writes a byte data set as an image folder that `load(directory:name:classNames:)` reads
    /// back identically: one sub-folder per class (its class name, or `class<i>` without names),
    /// images as 8-bit grey-scale or RGB PNG files named by their index (`000012.png`).
    ///
    /// Folders (and their parents) are created as needed; the data set must hold bytes with 1 or 3 channels.
    /// - Throws: `DatasetError` naming the file that cannot be written.
    public static func write(_ dataset: ImageDataset, to directory: String) throws {
        guard !dataset.holdsFloats, dataset.channels == 1 || dataset.channels == 3 else {
            throw DatasetError(path: directory, problem: .badLayout(
                reason: "only byte images of 1 or 3 channels can be written as PNG (\(dataset.name) has \(dataset.channels) channels\(dataset.holdsFloats ? " of Float values" : ""))"))
        }
        let names = dataset.classNames ?? (0..<dataset.classCount).map { "class\($0)" }
        try makeDirectory(directory)
        for name in names { try makeDirectory(join(directory, name)) }
        let plane = dataset.height * dataset.width, channels = dataset.channels
        var interleaved = [UInt8](repeating: 0, count: dataset.imageSize)
        for index in 0..<dataset.count {
            let base = index * dataset.imageSize
            for p in 0..<plane {
                for c in 0..<channels { interleaved[p * channels + c] = dataset.images[base + c * plane + p] }
            }
            let number = String(index)
            let path = join(join(directory, names[dataset.labels[index]]), String(repeating: "0", count: max(0, 6 - number.count)) + number + ".png")
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            image.width = UInt32(dataset.width)
            image.height = UInt32(dataset.height)
            image.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
            let ok = interleaved.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
            png_image_free(&image)
            guard ok != 0 else { throw DatasetError(path: path, problem: .unreadable(reason: "libpng could not write it")) }
        }
    }

    /// Creates `path` and any missing parent folders.
    private static func makeDirectory(_ path: String) throws {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex, !isDirectory(String(path[..<slash])) {
            try makeDirectory(String(path[..<slash]))
        }
        guard mkdir(path, 0o755) == 0 || (errno == EEXIST && isDirectory(path)) else {
            throw DatasetError(path: path, problem: .unreadable(reason: "cannot create the folder: " + String(cString: strerror(errno))))
        }
    }
}
