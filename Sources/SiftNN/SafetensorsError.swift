import Foundation

/// A problem found while reading, decoding, encoding or writing a safetensors file.
///
/// Every case carries `source`, the path of the file (or a caller-chosen label for in-memory
/// data), and, where one is involved, the name of the offending tensor, so that the message
/// alone is enough to find the problem.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all (missing, unreadable, a folder, ...).
    case readFailed(source: String, reason: String)
    /// The file could not be written (unwritable folder, disk full, ...).
    case writeFailed(path: String, reason: String)
    /// The data is shorter than the 8-byte header length prefix.
    case truncated(source: String, byteCount: Int)
    /// The header length prefix points past the end of the data.
    case headerPastEnd(source: String, headerLength: UInt64, available: Int)
    /// The header is not valid UTF-8 JSON, or not a JSON object.
    case invalidJSON(source: String, reason: String)
    /// A tensor entry lacks a required key (`dtype`, `shape` or `data_offsets`).
    case missingKey(source: String, tensor: String, key: String)
    /// A key of the header holds a value of the wrong type or out of range.
    case invalidValue(source: String, tensor: String, key: String, reason: String)
    /// A tensor uses a dtype this reader does not convert to Float32.
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// A tensor's `data_offsets` are reversed or reach past the end of the data section.
    case offsetsOutOfRange(source: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not hold exactly `product(shape) × dtype size` bytes.
    case byteCountMismatch(source: String, tensor: String, dtype: String, shape: [Int],
                           expected: Int?, actual: Int)
    /// A tensor to be encoded is inconsistent (values vs. shape, reserved name, bad dimension).
    case invalidTensor(tensor: String, reason: String)

    /// A one-line message naming the file, the tensor and the offending value.
    public var description: String {
        switch self {
        case let .readFailed(source, reason):
            return "\(source): cannot read safetensors file: \(reason)"
        case let .writeFailed(path, reason):
            return "\(path): cannot write safetensors file: \(reason)"
        case let .truncated(source, byteCount):
            return "\(source): truncated safetensors file: \(byteCount) bytes, "
                + "fewer than the 8-byte header length"
        case let .headerPastEnd(source, headerLength, available):
            return "\(source): header length \(headerLength) reaches past the end of the file "
                + "(\(available) bytes after the length prefix)"
        case let .invalidJSON(source, reason):
            return "\(source): invalid JSON header: \(reason)"
        case let .missingKey(source, tensor, key):
            return "\(source): tensor '\(tensor)' has no '\(key)' key"
        case let .invalidValue(source, tensor, key, reason):
            let subject = tensor == "__metadata__" ? "metadata" : "tensor '\(tensor)'"
            return "\(source): \(subject): invalid '\(key)': \(reason)"
        case let .unsupportedDType(source, tensor, dtype):
            return "\(source): tensor '\(tensor)' has dtype '\(dtype)'; "
                + "only F32, F16 and BF16 can be read"
        case let .offsetsOutOfRange(source, tensor, begin, end, dataSize):
            let problem = begin < 0 ? "a negative begin"
                : begin > end ? "begin after end"
                : "an end past the data section of \(dataSize) bytes"
            return "\(source): tensor '\(tensor)' has data_offsets [\(begin), \(end)] with \(problem)"
        case let .byteCountMismatch(source, tensor, dtype, shape, expected, actual):
            let want = expected.map { "\($0) bytes" } ?? "a byte count that overflows Int"
            return "\(source): tensor '\(tensor)' (\(dtype), shape \(shape)) needs \(want) "
                + "but data_offsets span \(actual) bytes"
        case let .invalidTensor(tensor, reason):
            return "cannot encode tensor '\(tensor)': \(reason)"
        }
    }
}
