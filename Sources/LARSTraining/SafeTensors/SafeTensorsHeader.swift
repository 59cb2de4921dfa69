import Foundation

/// The JSON header of a safetensors file, parsed and type-checked (ranges are checked by
/// `SafeTensors.decode`).
struct SafeTensorsHeader {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    var entries: [Entry]
    var metadata: [String: String]

    /// Parses the header bytes (JSON, possibly followed by padding spaces).
    static func parse(_ bytes: [UInt8], fail: (String) -> SafeTensorsError) throws -> SafeTensorsHeader {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("the header is not valid UTF-8") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw fail("the header is not valid JSON: \((error as NSError).localizedDescription)")
        }
        guard let top = object as? [String: Any] else { throw fail("the header is not a JSON object") }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (key, value) in top {
            if key == SafeTensors.metadataKey {
                guard let fields = value as? [String: Any] else { throw fail("__metadata__ is not a JSON object") }
                for (field, fieldValue) in fields {
                    guard let text = fieldValue as? String else {
                        throw fail("metadata value for '\(field)' is not a string (safetensors metadata values must be strings)")
                    }
                    metadata[field] = text
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry '\(key)' is not a JSON object") }
            guard let dtype = info["dtype"] as? String else { throw fail("tensor '\(key)' has no string dtype") }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(key)' has no valid shape (a list of non-negative integers)")
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2, offsets.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor '\(key)' has no valid data_offsets (two non-negative integers)")
            }
            entries.append(Entry(name: key, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]))
        }
        return SafeTensorsHeader(entries: entries, metadata: metadata)
    }

    /// `value` as a list of integers, or `nil` when it is not one (floats and booleans included).
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in list {
            // Foundation's JSON numbers are NSNumbers; booleans have objCType "c", and `as? Int`
            // succeeds only for integral values.
            guard let number = item as? NSNumber, String(cString: number.objCType) != "c",
                  let integer = item as? Int else { return nil }
            out.append(integer)
        }
        return out
    }
}
