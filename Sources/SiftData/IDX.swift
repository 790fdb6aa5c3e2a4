import Foundation
import SiftUtilities

/// An unsigned-byte array read from an IDX file, the format of MNIST and Fashion-MNIST.
///
/// IDX layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions
/// (1...4), each dimension as a big-endian 32-bit integer, then exactly `product(dims)` bytes
/// in row-major order. Files may be gzip-compressed; they are inflated in memory.
public struct IDXArray: Sendable, Equatable {
    /// The dimensions, outermost first (for images: count, rows, columns).
    public let dims: [Int]
    /// The elements in row-major order; `bytes.count == product(dims)`.
    public let bytes: [UInt8]

    /// Reads the IDX file at `url`, gzip-compressed or plain.
    /// - Throws: `IDXError` naming the file.
    public static func read(from url: URL) throws -> IDXArray {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw IDXError.readFailed(source: url.path, reason: error.localizedDescription)
        }
        return try decode(data, source: url.path)
    }

    /// Decodes IDX bytes, gzip-compressed (detected by the 0x1f 0x8b magic) or plain.
    /// `source` names the data in error messages (usually a path).
    /// - Throws: `IDXError` when decompression fails, the magic, type or dimension count is
    ///   wrong, or the data length is not exactly the product of the dimensions.
    public static func decode(_ data: Data, source: String) throws -> IDXArray {
        var bytes = [UInt8](data)
        if Gzip.isCompressed(bytes) {
            do {
                bytes = try Gzip.decompress(bytes)
            } catch {
                throw IDXError.decompressionFailed(source: source, reason: error.reason)
            }
        }
        guard bytes.count >= 4 else {
            throw IDXError.headerTruncated(source: source, byteCount: bytes.count, needed: 4)
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw IDXError.badMagic(source: source, magic: Array(bytes[0..<4]))
        }
        guard bytes[2] == 0x08 else {
            throw IDXError.unsupportedType(source: source, code: bytes[2])
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else {
            throw IDXError.badDimensionCount(source: source, count: rank)
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw IDXError.headerTruncated(source: source, byteCount: bytes.count, needed: headerSize)
        }
        let dims = (0..<rank).map { axis in
            bytes[(4 + 4 * axis)..<(8 + 4 * axis)].reduce(0) { $0 << 8 | Int($1) }
        }
        var expected = 1
        for dim in dims {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw IDXError.sizeOverflow(source: source, dims: dims) }
            expected = product
        }
        let actual = bytes.count - headerSize
        guard actual >= expected else {
            throw IDXError.truncated(source: source, dims: dims, expected: expected, actual: actual)
        }
        guard actual == expected else {
            throw IDXError.trailingBytes(source: source, dims: dims, expected: expected, actual: actual)
        }
        bytes.removeFirst(headerSize)
        return IDXArray(dims: dims, bytes: bytes)
    }
}
