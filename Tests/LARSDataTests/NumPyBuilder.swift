import CZlib
import Foundation

/// Builds `.npy` files and `.npz` (zip) archives byte by byte, so tests control every field.
enum NumPyBuilder {
    /// A version-1 `.npy` file with the given descriptor, shape and raw values.
    static func npy(descriptor: String, shape: [Int], payload: [UInt8], fortran: Bool = false, header: String? = nil) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = header ?? "{'descr': '\(descriptor)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
        dict += "\n"
        let length = dict.utf8.count
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8) + payload
    }

    static func floatBytes(_ floats: [Float]) -> [UInt8] { floats.withUnsafeBytes { Array($0) } }
    static func int64Bytes(_ ints: [Int64]) -> [UInt8] { ints.withUnsafeBytes { Array($0) } }

    /// A zip archive of `members` (name, bytes), each stored or deflated.
    static func zip(_ members: [(String, [UInt8])], deflate: Bool) -> [UInt8] {
        zip(raw: members.map { name, data in
            let crc = data.withUnsafeBufferPointer { Int(crc32_z(0, $0.baseAddress, $0.count)) }
            return (name, deflate ? rawDeflate(data) : data, crc, data.count, deflate ? 8 : 0)
        })
    }

    /// A zip archive of members already compressed: `body` by `method`, `crc` and `size` of the
    /// uncompressed bytes.
    static func zip(raw members: [(name: String, body: [UInt8], crc: Int, size: Int, method: Int)]) -> [UInt8] {
        var out: [UInt8] = [], directory: [UInt8] = []
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16 & 0xFFFF) }
        for (name, body, crc, size, method) in members {
            let offset = out.count
            out += u32(0x0403_4B50) + u16(20) + u16(0) + u16(method) + u16(0) + u16(0) + u32(crc)
                + u32(body.count) + u32(size) + u16(name.utf8.count) + u16(0) + Array(name.utf8) + body
            directory += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(method) + u16(0) + u16(0) + u32(crc)
                + u32(body.count) + u32(size) + u16(name.utf8.count) + u16(0) + u16(0) + u16(0) + u16(0)
                + u32(0) + u32(offset) + Array(name.utf8)
        }
        let directoryOffset = out.count
        out += directory
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(members.count) + u16(members.count) + u32(directory.count)
            + u32(directoryOffset) + u16(0)
        return out
    }

    /// A raw deflate stream of `prefix` followed by `zeros` zero bytes, made a megabyte at a time
    /// (the zeros are never held), and the CRC-32 of the whole: a compression bomb's member.
    static func deflatedZeros(after prefix: [UInt8], zeros: Int) -> (body: [UInt8], crc: Int) {
        var stream = z_stream()
        _ = deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var body: [UInt8] = [], crc = crc32_z(0, nil, 0)
        var output = [UInt8](repeating: 0, count: 1 << 16)
        func feed(_ piece: [UInt8], flush: Int32) {
            var input = piece
            crc = input.withUnsafeBufferPointer { crc32_z(crc, $0.baseAddress, $0.count) }
            input.withUnsafeMutableBufferPointer { source in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                repeat {
                    let made = output.withUnsafeMutableBufferPointer { target in
                        stream.next_out = target.baseAddress
                        stream.avail_out = UInt32(target.count)
                        _ = deflate(&stream, flush)
                        return target.count - Int(stream.avail_out)
                    }
                    body += output[0..<made]
                } while stream.avail_in > 0 || stream.avail_out == 0
            }
        }
        feed(prefix, flush: Z_NO_FLUSH)
        let megabyte = [UInt8](repeating: 0, count: 1 << 20)
        for start in stride(from: 0, to: zeros, by: 1 << 20) { feed(Array(megabyte.prefix(min(1 << 20, zeros - start))), flush: Z_NO_FLUSH) }
        feed([], flush: Z_FINISH)
        return (body, Int(crc))
    }

    /// `data` as a raw deflate stream (no zlib header), as zip stores it.
    static func rawDeflate(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        _ = deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var input = data
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 16)
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                _ = deflate(&stream, Z_FINISH)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }

    /// Two 2x2 float32 images and their int64 labels, as `.npy` files.
    static let floatImages: [Float] = [0.5, -1.25, 3, 4, 10, 20, 30, 40]
    static func floatPair() -> (images: [UInt8], labels: [UInt8]) {
        (npy(descriptor: "<f4", shape: [2, 2, 2], payload: floatBytes(floatImages)),
         npy(descriptor: "<i8", shape: [2], payload: int64Bytes([Int64(1), 0])))
    }
}
