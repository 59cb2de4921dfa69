import CPNG

/// One decoded PNG image: 8-bit grey-scale or RGB pixels, planar (CHW).
struct PNGImage {
    /// 1 (grey-scale) or 3 (RGB).
    var channels: Int
    var height: Int
    var width: Int
    /// `channels * height * width` bytes, one plane per channel.
    var pixels: [UInt8]

    /// The eight bytes every PNG file starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes the PNG file at `path` through libpng's simplified API (which reports errors by
    /// return value, never by `longjmp`).
    ///
    /// Accepts 8-bit grey-scale, RGB and palette images (a palette becomes grey or RGB as its
    /// colours are); refuses 16-bit images and images with an alpha channel or transparency,
    /// which this data set cannot represent without a choice the user should make. The pixel
    /// count is checked against what the file's size can hold (deflate expands at most about
    /// 1032:1) before any pixel buffer is allocated.
    /// - Throws: `DatasetError` naming the file.
    init(contentsOf path: String) throws {
        var bytes = try RawFile.read(path, missingHint: "Expected a PNG image.")
        guard bytes.starts(with: Self.signature) else {
            let found = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
            throw DatasetError(path: path, problem: .badMagic(expected: "the PNG signature 89 50 4e 47 d a 1a a", found: found))
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBufferPointer { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw DatasetError(path: path, problem: .undecodable(reason: Self.message(image))) }
        let format = image.format
        if format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
            throw DatasetError(path: path, problem: .undecodable(reason: "16-bit images are not supported; save it with 8 bits per channel"))
        }
        if format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 {
            throw DatasetError(path: path, problem: .undecodable(
                reason: "it has an alpha channel or transparency; save it as grey-scale or RGB without alpha"))
        }
        let channels = format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1
        let width = Int(image.width), height = Int(image.height)
        // Rows of `width * channels` bytes plus a filter byte, inflated from the file's bytes.
        let (rowBytes, o1) = width.multipliedReportingOverflow(by: channels)
        let (total, o2) = height.multipliedReportingOverflow(by: rowBytes + 1)
        let (limit, o3) = bytes.count.multipliedReportingOverflow(by: ZipDirectory.maximumDeflateRatio)
        guard !o1, !o2, o3 || total <= limit else {
            throw DatasetError(path: path, problem: .tooLarge(
                limit: limit, reason: "the header declares \(width)x\(height) pixels, more than a \(bytes.count)-byte PNG can hold"))
        }
        image.format = channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        var interleaved = [UInt8](repeating: 0, count: rowBytes * height)
        let finished = interleaved.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw DatasetError(path: path, problem: .undecodable(reason: Self.message(image))) }
        bytes = []
        self.channels = channels
        self.height = height
        self.width = width
        self.pixels = NumPyDataset.toChannelsFirst(interleaved, count: 1, channels: channels, plane: height * width)
    }

    /// libpng's message for the last failure.
    private static func message(_ image: png_image) -> String {
        var copy = image
        return withUnsafeBytes(of: &copy.message) { raw in
            let text = String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            return text.isEmpty ? "libpng failed without a message" : "libpng: " + text
        }
    }
}
