import Foundation
import LARSCore

/// Reads and writes the safetensors format, which Python's `safetensors` and `numpy` read.
///
/// Layout: an unsigned 64-bit little-endian header length `N`; `N` bytes of UTF-8 JSON mapping
/// each tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` plus an
/// optional `"__metadata__"` object of string values, padded with spaces to a multiple of 8
/// bytes; then the data section, where each tensor's little-endian bytes occupy
/// `begin..<end` counted from the start of that section, packed in order without gaps.
/// swift-lars stores `Float` tensors only, as `F32`.
public enum SafeTensors {
    /// The header key that holds the string metadata.
    public static let metadataKey = "__metadata__"
    /// Headers larger than this are refused as corrupt (the reference reader's limit).
    public static let maximumHeaderLength = 100_000_000

    /// The bytes of a safetensors file holding `tensors` in the given order and `metadata`.
    /// The JSON lists the metadata first (keys sorted) and then the tensors in order, so equal
    /// inputs give byte-identical files. Names must be unique, non-empty and not `__metadata__`.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:]) -> [UInt8] {
        do {
            try checkNames(tensors, path: "SafeTensors.encode")
        } catch {
            fatalError("\(error)")  // A programming error; `write` throws it instead.
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\(jsonString(metadataKey)):{\(fields.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }

        let dataStart = 8 + header.count
        var bytes = [UInt8](repeating: 0, count: dataStart + offset)
        bytes.withUnsafeMutableBytes { out in
            out.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self)
            out.baseAddress!.advanced(by: 8).copyMemory(from: header, byteCount: header.count)
            var at = dataStart
            for (_, tensor) in tensors {
                tensor.withUnsafeBufferPointer { values in
                    for v in values {
                        out.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
                        at += 4
                    }
                }
            }
        }
        return bytes
    }

    /// Writes `tensors` and `metadata` to `path` atomically (see `AtomicFile`): a process killed
    /// during the write leaves the previous file intact.
    /// - Throws: `ModelStateError` for an empty, reserved or repeated tensor name (nothing is
    ///   written); `AtomicFileError` when the file cannot be written.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        try checkNames(tensors, path: path)
        try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
    }

    /// Reads and validates the safetensors file at `path`.
    ///
    /// The file is read in pieces: the 8-byte header length, then the header, which is checked
    /// against the file's size (every offset, every shape's byte count) before any tensor data
    /// is read; each tensor is then read straight into its own storage. A huge or hostile file
    /// is refused having cost no more memory than its header.
    /// - Throws: `SafeTensorsError` naming the file: unreadable, shorter than its header, a header
    ///   length beyond the file, invalid JSON, metadata that is not strings, an unsupported dtype,
    ///   a shape that overflows or disagrees with its byte range, offsets out of bounds,
    ///   overlapping or leaving gaps.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        let file = try ReadOnlyFile(path: path, fail: fail)
        let headerLength = try SafeTensorsLayout.headerLength(
            try file.read(min(8, file.size), at: 0), fileSize: file.size, fail: fail)
        let header = try SafeTensorsHeader.parse(try file.read(headerLength, at: 8), fail: fail)
        let dataStart = 8 + headerLength
        let layout = try SafeTensorsLayout.plan(header, dataLength: file.size - dataStart, fail: fail)
        var tensors: [String: Tensor] = [:]
        for slot in layout.slots {
            let scalars = try [Float](unsafeUninitializedCapacity: slot.elements) { buffer, initialized in
                try file.read(into: UnsafeMutableRawBufferPointer(buffer), at: dataStart + slot.begin)
                for i in 0..<slot.elements {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern))
                }
                initialized = slot.elements
            }
            tensors[slot.name] = Tensor(shape: slot.shape, scalars: scalars)
        }
        return SafeTensorsFile(tensors: tensors, metadata: layout.metadata, names: layout.slots.map(\.name))
    }

    /// Parses and validates safetensors bytes; `path` only names the source in errors.
    /// - Throws: `SafeTensorsError` as `read(_:)` does for the file's contents.
    public static func decode(_ bytes: [UInt8], path: String) throws -> SafeTensorsFile {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        let headerLength = try SafeTensorsLayout.headerLength(Array(bytes.prefix(8)), fileSize: bytes.count, fail: fail)
        let header = try SafeTensorsHeader.parse(Array(bytes[8..<(8 + headerLength)]), fail: fail)
        let dataStart = 8 + headerLength
        let layout = try SafeTensorsLayout.plan(header, dataLength: bytes.count - dataStart, fail: fail)
        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for slot in layout.slots {
                let base = raw.baseAddress! + dataStart + slot.begin
                let scalars = (0..<slot.elements).map { i in
                    Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                tensors[slot.name] = Tensor(shape: slot.shape, scalars: scalars)
            }
        }
        return SafeTensorsFile(tensors: tensors, metadata: layout.metadata, names: layout.slots.map(\.name))
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// The contents of a safetensors file.
public struct SafeTensorsFile: Sendable {
    /// Every tensor by name.
    public var tensors: [String: Tensor]
    /// The `__metadata__` entries (empty when the file has none).
    public var metadata: [String: String]
    /// The tensor names in the order of their data in the file.
    public var names: [String]
}
