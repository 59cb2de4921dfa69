import CPNG
import CZlib
import Foundation

/// Writes PNG files through libpng's simplified write API, and edits their chunks.
enum PNGBuilder {
    /// Writes `pixels` (interleaved, `format` one of the PNG_FORMAT_* values) as a PNG file.
    static func write(_ path: String, width: Int, height: Int, format: UInt32, pixels: [UInt8]) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format
        let ok = pixels.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }
        png_image_free(&image)
        guard ok != 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// A grey-scale image whose pixel (y, x) is `seed + y * width + x` (mod 256).
    static func gray(_ path: String, size: Int, seed: Int) throws {
        try write(path, width: size, height: size, format: UInt32(PNG_FORMAT_GRAY),
                  pixels: (0..<(size * size)).map { UInt8((seed + $0) % 256) })
    }

    /// A PNG signature and IHDR chunk declaring `width` x `height` 8-bit grey pixels, with a
    /// correct CRC, then the start of a one-byte IDAT chunk (where libpng's header read stops).
    static func header(width: UInt32, height: UInt32) -> [UInt8] {
        var chunk: [UInt8] = Array("IHDR".utf8)
        for v in [width, height] { withUnsafeBytes(of: v.bigEndian) { chunk += $0 } }
        chunk += [8, 0, 0, 0, 0]
        let crc = UInt32(chunk.withUnsafeBufferPointer { crc32_z(0, $0.baseAddress, $0.count) })
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + chunk
        withUnsafeBytes(of: crc.bigEndian) { out += $0 }
        let idat: [UInt8] = Array("IDAT".utf8) + [0x78]
        let idatCRC = UInt32(idat.withUnsafeBufferPointer { crc32_z(0, $0.baseAddress, $0.count) })
        out += [0, 0, 0, 1] + idat
        withUnsafeBytes(of: idatCRC.bigEndian) { out += $0 }
        return out
    }
}
