/// A problem found while reading an IDX file (the format of the MNIST-style data sets).
///
/// Every case names `source`: the file path, or a caller-chosen label for in-memory data.
public enum IDXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read at all (missing, unreadable, a folder, ...).
    case readFailed(source: String, reason: String)
    /// The file starts like gzip but could not be inflated.
    case decompressionFailed(source: String, reason: String)
    /// The (inflated) data ends inside the magic number or the dimension list.
    case headerTruncated(source: String, byteCount: Int, needed: Int)
    /// The magic number does not start with two zero bytes.
    case badMagic(source: String, magic: [UInt8])
    /// The element type code is not 0x08 (unsigned byte), the only type read.
    case unsupportedType(source: String, code: UInt8)
    /// The number of dimensions is not between 1 and 4.
    case badDimensionCount(source: String, count: Int)
    /// The product of the dimensions overflows `Int`.
    case sizeOverflow(source: String, dims: [Int])
    /// Fewer data bytes than the product of the dimensions.
    case truncated(source: String, dims: [Int], expected: Int, actual: Int)
    /// More data bytes than the product of the dimensions.
    case trailingBytes(source: String, dims: [Int], expected: Int, actual: Int)

    /// A one-line message naming the file and the offending value.
    public var description: String {
        switch self {
        case let .readFailed(source, reason):
            return "\(source): cannot read IDX file: \(reason)"
        case let .decompressionFailed(source, reason):
            return "\(source): cannot decompress gzip data: \(reason)"
        case let .headerTruncated(source, byteCount, needed):
            return "\(source): IDX header truncated: \(byteCount) bytes, the header needs \(needed)"
        case let .badMagic(source, magic):
            let hex = magic.map { String($0, radix: 16) }.joined(separator: " ")
            return "\(source): not an IDX file: magic bytes \(hex) do not start with 00 00"
        case let .unsupportedType(source, code):
            return "\(source): IDX element type 0x\(String(code, radix: 16)) is not supported "
                + "(only 0x08, unsigned byte)"
        case let .badDimensionCount(source, count):
            return "\(source): IDX dimension count \(count) is not between 1 and 4"
        case let .sizeOverflow(source, dims):
            return "\(source): IDX dimensions \(dims) describe more bytes than Int holds"
        case let .truncated(source, dims, expected, actual):
            return "\(source): IDX data truncated: dimensions \(dims) need \(expected) bytes, "
                + "found \(actual)"
        case let .trailingBytes(source, dims, expected, actual):
            return "\(source): IDX data has trailing bytes: dimensions \(dims) need \(expected) "
                + "bytes, found \(actual)"
        }
    }
}
