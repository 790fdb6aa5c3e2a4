import CZlib
import Foundation

/// Gzip-compresses `bytes` with zlib (`deflateInit2_` with windowBits 31 writes a gzip wrapper).
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY,
                        zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw TestSupportError.zlib("deflateInit2_ failed")
    }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
    var input = bytes
    let status = input.withUnsafeMutableBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            stream.next_out = target.baseAddress
            stream.avail_out = UInt32(target.count)
            return deflate(&stream, Z_FINISH)
        }
    }
    guard status == Z_STREAM_END else { throw TestSupportError.zlib("deflate returned \(status)") }
    return Array(output[..<Int(stream.total_out)])
}

enum TestSupportError: Error {
    case zlib(String)
}

/// The bytes of an unsigned-byte IDX file with the given dimensions and data.
func idxBytes(dims: [Int], data: [UInt8], magic: [UInt8]? = nil) -> [UInt8] {
    var bytes = magic ?? [0, 0, 0x08, UInt8(dims.count)]
    for dim in dims {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: dim >> (8 * (3 - $0))) }
    }
    return bytes + data
}

/// A fresh empty folder under the system temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("sift-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small deterministic generator so that randomised tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` random bytes.
func randomBytes(_ count: Int, using random: inout SplitMix64) -> [UInt8] {
    (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
}
