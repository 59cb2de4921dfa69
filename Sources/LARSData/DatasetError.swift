/// A data-set file that cannot be used, naming the file and what is wrong with it.
///
/// Every loader throws this instead of crashing or returning a silently short data set. The
/// `description` is a complete sentence meant for the person running the program.
public struct DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong with the file.
    public enum Problem: Equatable, Sendable {
        /// The file does not exist; `hint` says how to obtain it (an apt package, a URL).
        case missingFile(hint: String)
        /// The file exists but cannot be opened or read (permissions, I/O error).
        case unreadable(reason: String)
        /// The gzip stream is corrupt or ends early; `reason` is zlib's message.
        case corruptCompression(reason: String)
        /// The first bytes are not the format's magic number.
        case badMagic(expected: String, found: String)
        /// The header holds an impossible value (a zero dimension, a wrong rank, sizes that overflow).
        case badHeader(reason: String)
        /// A record starting at byte `offset` needs `needed` bytes but the file ends at `fileSize`.
        /// For gzip files the offsets count decompressed bytes.
        case truncated(record: String, offset: Int, needed: Int, fileSize: Int)
        /// Bytes remain after the last record the header announces.
        case trailingBytes(offset: Int, count: Int)
        /// Record `index` has label `label`, outside `0..<classCount`.
        case labelOutOfRange(index: Int, label: Int, classCount: Int)
        /// The image file and the label file hold different numbers of items.
        case countMismatch(images: Int, labels: Int, labelPath: String)
        /// The images have a different size from what the data set needs.
        case shapeMismatch(expected: String, found: String)
        /// The file holds no records at all.
        case empty
        /// The (inflated) data runs past `limit` bytes, which `reason` explains (what the header
        /// declares, the largest plausible file); nothing beyond the limit was read.
        case tooLarge(limit: Int, reason: String)
        /// Value `index` (in file order) is NaN or infinite.
        case nonFiniteValue(index: Int)
        /// The image cannot be decoded or is of a kind not supported; `reason` says which.
        case undecodable(reason: String)
        /// A data-set folder is not laid out as expected; `reason` says how.
        case badLayout(reason: String)
        /// The path names something other than a regular file; `what` says what (a FIFO, a
        /// device, a directory, a loop of symbolic links).
        case notARegularFile(what: String)
        /// The data describe more classes than any classifier here is built for: `label` (at
        /// `index`) implies `label + 1` classes, more than `limit`.
        case tooManyClasses(index: Int, label: Int, limit: Int)
    }

    /// The file at fault.
    public let path: String
    /// What is wrong with it.
    public let problem: Problem

    /// Describes `problem` in the file at `path`.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// A sentence naming the file and the problem.
    public var description: String {
        switch problem {
        case .missingFile(let hint):
            return "\(path): file not found. \(hint)"
        case .unreadable(let reason):
            return "\(path): cannot read the file: \(reason)"
        case .corruptCompression(let reason):
            return "\(path): corrupt gzip stream: \(reason)"
        case .badMagic(let expected, let found):
            return "\(path): bad magic number \(found), expected \(expected); this is not the expected file format"
        case .badHeader(let reason):
            return "\(path): bad header: \(reason)"
        case .truncated(let record, let offset, _, let fileSize) where offset > fileSize:
            return "\(path): \(record) would start at byte offset \(offset), past the end of the data at byte \(fileSize)"
        case .truncated(let record, let offset, let needed, let fileSize):
            return "\(path): truncated \(record) at byte offset \(offset): it needs \(needed) bytes "
                + "but the data ends at byte \(fileSize) (\(fileSize - offset) bytes available)"
        case .trailingBytes(let offset, let count):
            return "\(path): \(count) unexpected bytes after the last record, from byte offset \(offset)"
        case .labelOutOfRange(let index, let label, let classCount):
            return "\(path): label out of range: record \(index) has label \(label), expected 0..<\(classCount)"
        case .countMismatch(let images, let labels, let labelPath):
            return "\(path): image and label counts disagree: \(images) images but \(labels) labels in \(labelPath)"
        case .shapeMismatch(let expected, let found):
            return "\(path): images are \(found), expected \(expected)"
        case .empty:
            return "\(path): the file holds no records"
        case .undecodable(let reason):
            return "\(path): cannot decode the image: \(reason)"
        case .badLayout(let reason):
            return "\(path): \(reason)"
        case .notARegularFile(let what):
            return "\(path): is \(what), not a regular file"
        case .tooManyClasses(let index, let label, let limit):
            return "\(path): record \(index) has label \(label), which would make \(label) + 1 classes; at most \(limit) classes are supported"
        case .nonFiniteValue(let index):
            return "\(path): value \(index) is not finite (NaN or infinity)"
        case .tooLarge(let limit, let reason):
            return "\(path): the data runs past \(limit) bytes (\(reason)); refusing to read further"
        }
    }
}
