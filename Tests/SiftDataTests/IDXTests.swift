import Foundation
import Testing
import SiftData

/// Decoding of plain and gzip-compressed IDX files, and every malformation named by source.
@Suite struct IDXTests {
    private let dims = [3, 2, 5]
    private var data: [UInt8] { (0..<30).map { UInt8($0 * 7 % 256) } }

    /// Decodes `bytes` expecting a failure; returns the error after checking it names `source`.
    private func failure(_ bytes: [UInt8], source: String = "bad-idx3-ubyte.gz") -> IDXError? {
        do {
            let array = try IDXArray.decode(Data(bytes), source: source)
            Issue.record("decoded \(array.dims) instead of failing")
            return nil
        } catch let error as IDXError {
            #expect("\(error)".contains(source), "message names the source: \(error)")
            return error
        } catch {
            Issue.record("unexpected error type \(error)")
            return nil
        }
    }

    @Test func decodesPlainAndGzipFiles() throws {
        let plain = idxBytes(dims: dims, data: data)
        for bytes in [plain, try gzip(plain)] {
            let array = try IDXArray.decode(Data(bytes), source: "x")
            #expect(array.dims == dims)
            #expect(array.bytes == data)
        }
    }

    @Test func decodesConcatenatedGzipMembers() throws {
        let plain = idxBytes(dims: [4, 100], data: (0..<400).map { UInt8($0 % 251) })
        let joined = try gzip(Array(plain[..<150])) + gzip(Array(plain[150...]))
        let array = try IDXArray.decode(Data(joined), source: "two-members")
        #expect(array.dims == [4, 100])
        #expect(array.bytes == Array(plain[12...]))
    }

    @Test func readsAGzipFileFromDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("labels-idx1-ubyte.gz")
        let labels: [UInt8] = [3, 1, 4, 1, 5, 9, 2, 6]
        try Data(try gzip(idxBytes(dims: [8], data: labels))).write(to: url)
        let array = try IDXArray.read(from: url)
        #expect(array.dims == [8] && array.bytes == labels)
    }

    @Test func emptyDimensionHoldsNoData() throws {
        let array = try IDXArray.decode(Data(idxBytes(dims: [0, 28, 28], data: [])), source: "e")
        #expect(array.dims == [0, 28, 28] && array.bytes.isEmpty)
    }

    @Test func truncatedData() throws {
        let short = idxBytes(dims: dims, data: Array(data.dropLast()))
        let expected = IDXError.truncated(source: "bad-idx3-ubyte.gz", dims: dims, expected: 30, actual: 29)
        #expect(failure(short) == expected)
        #expect(failure(try gzip(short)) == expected)
    }

    @Test func trailingBytes() throws {
        let long = idxBytes(dims: dims, data: data + [0, 0])
        let expected = IDXError.trailingBytes(source: "bad-idx3-ubyte.gz", dims: dims, expected: 30, actual: 32)
        #expect(failure(long) == expected)
        #expect(failure(try gzip(long)) == expected)
    }

    @Test(arguments: [[UInt8]([1, 0, 8, 3]), [0, 7, 8, 3], [0x50, 0x4B, 3, 4]])
    func wrongMagic(magic: [UInt8]) {
        let bytes = idxBytes(dims: dims, data: data, magic: magic)
        #expect(failure(bytes) == .badMagic(source: "bad-idx3-ubyte.gz", magic: magic))
    }

    @Test(arguments: [UInt8(0x09), 0x0B, 0x0C, 0x0D, 0x0E])
    func unsupportedElementType(code: UInt8) {
        let bytes = idxBytes(dims: dims, data: data, magic: [0, 0, code, 3])
        #expect(failure(bytes) == .unsupportedType(source: "bad-idx3-ubyte.gz", code: code))
    }

    @Test(arguments: [0, 5, 255])
    func badDimensionCount(count: Int) {
        let bytes: [UInt8] = [0, 0, 8, UInt8(count)] + [UInt8](repeating: 0, count: 64)
        #expect(failure(bytes) == .badDimensionCount(source: "bad-idx3-ubyte.gz", count: count))
    }

    @Test func truncatedHeader() {
        #expect(failure([]) == .headerTruncated(source: "bad-idx3-ubyte.gz", byteCount: 0, needed: 4))
        #expect(failure([0, 0, 8]) == .headerTruncated(source: "bad-idx3-ubyte.gz", byteCount: 3, needed: 4))
        let partial = Array(idxBytes(dims: dims, data: []).prefix(10))
        #expect(failure(partial) == .headerTruncated(source: "bad-idx3-ubyte.gz", byteCount: 10, needed: 16))
    }

    @Test func dimensionProductOverflow() {
        let huge = 0xFFFF_FFFF
        let bytes = idxBytes(dims: [huge, huge, huge, huge], data: [])
        #expect(failure(bytes) == .sizeOverflow(source: "bad-idx3-ubyte.gz", dims: [huge, huge, huge, huge]))
    }

    @Test func truncatedOrCorruptGzip() throws {
        let compressed = try gzip(idxBytes(dims: dims, data: data))
        for bad in [Array(compressed.dropLast(9)), Array(compressed.prefix(12)), [0x1F, 0x8B]] {
            guard case .decompressionFailed? = failure(bad) else {
                Issue.record("\(bad.count) bytes of gzip did not fail decompression")
                continue
            }
        }
        var flipped = compressed
        flipped[compressed.count - 6] ^= 0xFF  // the CRC-32 in the trailer
        guard case .decompressionFailed? = failure(flipped) else {
            Issue.record("a wrong CRC was not detected")
            return
        }
        guard case .decompressionFailed? = failure(compressed + [1, 2, 3]) else {
            Issue.record("garbage after the gzip stream was not detected")
            return
        }
    }

    @Test func corruptedGzipNeverCrashes() throws {
        let compressed = try gzip(idxBytes(dims: [10, 10], data: (0..<100).map { UInt8($0) }))
        var random = SplitMix64(seed: 11)
        for _ in 0..<500 {
            var bytes = compressed
            let index = 2 + Int(random.next() % UInt64(bytes.count - 2))
            bytes[index] = UInt8(truncatingIfNeeded: random.next())
            do {
                _ = try IDXArray.decode(Data(bytes), source: "fuzz")
            } catch is IDXError {
                // expected for most corruptions
            }
        }
    }

    @Test func missingFileIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/sift/train-images-idx3-ubyte.gz")
        let error = #expect(throws: IDXError.self) { try IDXArray.read(from: url) }
        guard case .readFailed(url.path, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }
}
