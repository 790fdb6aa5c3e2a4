import CZlib

/// Why a gzip stream could not be inflated (the caller adds the file name).
struct GzipFailure: Error {
    let reason: String
}

/// In-memory gzip decompression through zlib's `inflate`.
enum Gzip {
    /// The largest decompressed size accepted, to keep a corrupt or hostile file from
    /// exhausting memory (1 GiB; Fashion-MNIST's largest file inflates to 47 MB).
    static let defaultLimit = 1 << 30

    /// Whether `bytes` starts with the gzip magic number 0x1f 0x8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a complete gzip file (one or more concatenated members).
    /// - Throws: `GzipFailure` when the stream is corrupt, ends early, is followed by bytes
    ///   that are not another gzip member, or inflates to more than `limit` bytes.
    static func decompress(_ input: [UInt8], limit: Int = defaultLimit) throws(GzipFailure) -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw GzipFailure(reason: "compressed size \(input.count) bytes is too large")
        }
        var stream = z_stream()
        // windowBits 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(),
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw GzipFailure(reason: "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: initialCapacity(input, limit: limit))
        var produced = 0
        var failure: String?
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while failure == nil {
                if produced == output.count {
                    guard output.count < limit else {
                        failure = "decompressed data exceeds the limit of \(limit) bytes"
                        break
                    }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit - output.count)))
                }
                let status = output.withUnsafeMutableBufferPointer { target -> Int32 in
                    let room = min(target.count - produced, Int(UInt32.max))
                    stream.next_out = target.baseAddress.map { $0 + produced }
                    stream.avail_out = UInt32(room)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member may follow; anything else is trailing garbage.
                    let next = UnsafeBufferPointer(start: stream.next_in, count: min(Int(stream.avail_in), 2))
                    if next.count == 2, next[0] == 0x1F, next[1] == 0x8B {
                        inflateReset(&stream)
                    } else {
                        failure = "\(stream.avail_in) bytes after the end of the gzip stream"
                    }
                case Z_BUF_ERROR:
                    // No progress with output room left: the input ran out mid-stream.
                    failure = stream.avail_in == 0
                        ? "unexpected end of compressed data (truncated gzip file)"
                        : "zlib made no progress inflating the data"
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    failure = "corrupt gzip data: \(message)"
                }
            }
        }
        if let failure { throw GzipFailure(reason: failure) }
        output.removeSubrange(produced...)
        return output
    }

    /// A first output size: the gzip trailer's ISIZE (size modulo 2^32 of the last member)
    /// plus one byte, at least 4096, and at most `limit` and the 1032:1 ratio deflate can
    /// reach (so that a corrupt trailer cannot make us allocate much); the buffer grows if
    /// the hint is wrong.
    private static func initialCapacity(_ input: [UInt8], limit: Int) -> Int {
        let ceiling = max(1, min(limit, input.count * 1032 + 4096))
        guard input.count >= 18 else { return min(4096, ceiling) }
        let size = input.suffix(4).reversed().reduce(0) { $0 << 8 | Int($1) }
        return min(max(size + 1, 4096), ceiling)
    }
}
