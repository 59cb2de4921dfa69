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
        var seen = Set<String>()
        for (name, _) in tensors {
            precondition(!name.isEmpty && name != metadataKey, "SafeTensors: invalid tensor name '\(name)'")
            precondition(seen.insert(name).inserted, "SafeTensors: tensor name '\(name)' appears twice")
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
    /// - Throws: `AtomicFileError` when the file cannot be written.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
    }

    /// Reads and validates the safetensors file at `path`.
    /// - Throws: `SafeTensorsError` naming the file: unreadable, shorter than its header, a header
    ///   length beyond the file, invalid JSON, metadata that is not strings, an unsupported dtype,
    ///   a shape that disagrees with its byte range, offsets out of bounds, overlapping or leaving
    ///   gaps.
    public static func read(_ path: String) throws -> SafeTensorsFile {
        let bytes: [UInt8]
        do {
            bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason = (error as NSError).localizedDescription
            throw SafeTensorsError(path: path, problem: "cannot read the file: \(reason)")
        }
        return try decode(bytes, path: path)
    }

    /// Parses and validates safetensors bytes; `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> SafeTensorsFile {
        func fail(_ problem: String) -> SafeTensorsError { SafeTensorsError(path: path, problem: problem) }
        guard bytes.count >= 8 else {
            throw fail("the file is \(bytes.count) bytes, too short for the 8-byte header length")
        }
        let declared = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let available = bytes.count - 8
        guard declared <= UInt64(available) else {
            throw fail("header length \(declared) exceeds the \(available) bytes after the length field (file truncated or not safetensors)")
        }
        guard declared > 0, declared <= UInt64(maximumHeaderLength) else {
            throw fail("header length \(declared) is outside 1...\(maximumHeaderLength)")
        }
        let headerLength = Int(declared)
        let header = try SafeTensorsHeader.parse(Array(bytes[8..<(8 + headerLength)]), fail: fail)
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart

        // Every tensor's byte range must match its shape, and the ranges, in order, must tile
        // the data section exactly: no overlap, no gap, nothing past the end.
        let ordered = header.entries.sorted { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        var tensors: [String: Tensor] = [:]
        for entry in ordered {
            guard entry.dtype == "F32" else {
                throw fail("tensor '\(entry.name)' has dtype \(entry.dtype); swift-lars reads F32 tensors only")
            }
            guard entry.begin <= entry.end else {
                throw fail("tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] with begin after end")
            }
            guard entry.end <= dataLength else {
                throw fail("tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] beyond the \(dataLength)-byte data section")
            }
            var elements = 1
            for d in entry.shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail("tensor '\(entry.name)' shape \(entry.shape) overflows") }
                elements = product
            }
            guard elements.multipliedReportingOverflow(by: 4) == (elements * 4, false), elements * 4 == entry.end - entry.begin else {
                throw fail("tensor '\(entry.name)' of shape \(entry.shape) needs \(elements) x 4 bytes but data_offsets "
                    + "[\(entry.begin), \(entry.end)] span \(entry.end - entry.begin)")
            }
            if entry.begin < cursor {
                throw fail("tensor '\(entry.name)' at data_offsets [\(entry.begin), \(entry.end)] overlaps the tensor before it (which ends at \(cursor))")
            }
            if entry.begin > cursor {
                throw fail("gap in the data section: bytes \(cursor)..<\(entry.begin) belong to no tensor (before '\(entry.name)')")
            }
            var scalars = [Float](repeating: 0, count: elements)
            bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + dataStart + entry.begin
                scalars.withUnsafeMutableBufferPointer { out in
                    for i in 0..<elements {
                        out[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                }
            }
            tensors[entry.name] = Tensor(shape: entry.shape, scalars: scalars)
            cursor = entry.end
        }
        guard cursor == dataLength else {
            throw fail("the data section holds \(dataLength) bytes but the tensors cover only \(cursor) (trailing bytes or a wrong header)")
        }
        return SafeTensorsFile(tensors: tensors, metadata: header.metadata, names: ordered.map(\.name))
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
