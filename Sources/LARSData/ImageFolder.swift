import Glibc

/// A labelled image data set from a folder of PNG files, one sub-folder per class
/// (`root/cat/001.png`, `root/dog/017.png`, ...), as torchvision's `ImageFolder` reads it.
///
/// Classes are the sub-folders in sorted order (label `i` is the `i`-th name); images within a
/// class are read in sorted file order, so the data set is the same on every machine. Every
/// image must have the same size and the same channel count (1 for grey-scale, 3 for RGB);
/// names starting with a dot are ignored, anything else that is not a `.png` file is refused.
public enum ImageFolder {
    /// Loads every PNG image under `directory`.
    ///
    /// - Parameters:
    ///   - directory: the folder holding one sub-folder of PNG images per class.
    ///   - name: the data set's name, as logs and errors show it.
    ///   - classNames: the class list to label with (a test split uses its training split's);
    ///     `nil` to take the sorted sub-folder names. Every sub-folder must then be one of them.
    /// - Throws: `DatasetError` naming the file or folder at fault: a missing directory, no
    ///   class folders, an empty class, a stray file or folder, a class not in `classNames`,
    ///   images of different sizes, or a PNG that cannot be decoded (see `PNGImage`).
    public static func load(directory: String, name: String, classNames: [String]? = nil) throws -> ImageDataset {
        let classes = try classFolders(directory)
        let names = classNames ?? classes
        var images = ImageCollector()
        for folder in classes {
            let folderPath = join(directory, folder)
            guard let label = names.firstIndex(of: folder) else {
                throw DatasetError(path: folderPath, problem: .badLayout(
                    reason: "is not one of the \(names.count) training classes (\(names.joined(separator: ", ")))"))
            }
            let files = try listing(folderPath, hint: "")
            guard !files.isEmpty else {
                throw DatasetError(path: folderPath, problem: .badLayout(reason: "holds no PNG images; every class folder needs at least one"))
            }
            for file in files {
                let path = join(folderPath, file)
                guard !isDirectory(path), file.lowercased().hasSuffix(".png") else {
                    throw DatasetError(path: path, problem: .badLayout(reason: "is not a .png file; class folders hold only PNG images"))
                }
                try images.append(PNGImage(contentsOf: path), from: path, label: label)
            }
        }
        let (channels, height, width, _) = images.shape!
        return ImageDataset(
            name: name, images: images.pixels, labels: images.labels, channels: channels, height: height, width: width,
            classCount: names.count, classNames: names)
    }

    /// The class folders of `directory` in sorted order.
    /// - Throws: `DatasetError` for a missing directory, an entry that is not a folder, or no folders.
    static func classFolders(_ directory: String) throws -> [String] {
        let folders = try listing(directory, hint: "Expected a folder with one sub-folder of PNG images per class.")
        var classes: [String] = []
        for entry in folders {
            let path = join(directory, entry)
            guard isDirectory(path) else {
                throw DatasetError(path: path, problem: .badLayout(reason: "is not a folder; \(directory) must hold only one folder of PNG images per class"))
            }
            classes.append(entry)
        }
        guard !classes.isEmpty else {
            throw DatasetError(path: directory, problem: .badLayout(reason: "holds no class folders; expected one sub-folder of PNG images per class"))
        }
        return classes
    }

    /// Pixels and labels of the images read so far, all of the first image's shape.
    private struct ImageCollector {
        var pixels: [UInt8] = []
        var labels: [Int] = []
        /// Channels, height, width and the path of the first image.
        var shape: (channels: Int, height: Int, width: Int, first: String)?

        /// Adds `image` (read from `path`) with `label`.
        /// - Throws: `DatasetError.shapeMismatch` when its shape differs from the first image's.
        mutating func append(_ image: PNGImage, from path: String, label: Int) throws {
            if let shape {
                guard (image.channels, image.height, image.width) == (shape.channels, shape.height, shape.width) else {
                    throw DatasetError(path: path, problem: .shapeMismatch(
                        expected: "\(shape.channels)x\(shape.height)x\(shape.width) like \(shape.first)",
                        found: "\(image.channels)x\(image.height)x\(image.width) (channels x height x width)"))
                }
            } else {
                shape = (image.channels, image.height, image.width, path)
            }
            pixels += image.pixels
            labels.append(label)
        }
    }

    /// Loads the `split` half of `root`: `root/train/<class>/*.png` or `root/test/<class>/*.png`,
    /// the test split labelled with the training split's class folders.
    public static func load(root: String, split: DatasetSplit) throws -> ImageDataset {
        let trainDirectory = join(root, "train")
        let trainClasses = try listing(trainDirectory, hint: "Expected \(root)/train and \(root)/test, each with one sub-folder of PNG images per class.")
            .filter { isDirectory(join(trainDirectory, $0)) }
        let directory = join(root, split.rawValue)
        return try load(directory: directory, name: "folder/\(split.rawValue)", classNames: split == .train ? nil : trainClasses)
    }

    /// The sorted entry names of `directory`, without `.`, `..` and hidden names.
    static func listing(_ directory: String, hint: String) throws -> [String] {
        guard isDirectory(directory) else { throw DatasetError(path: directory, problem: .missingFile(hint: hint)) }
        guard let handle = opendir(directory) else {
            throw DatasetError(path: directory, problem: .unreadable(reason: String(cString: strerror(errno))))
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        // Byte order, not locale order: the same labels on every machine.
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
