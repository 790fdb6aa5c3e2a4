import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an atomic write failed, as a human-readable reason (the caller adds the path).
public struct AtomicWriteFailure: Error {
    public let reason: String
}

/// Writes `data` to `url` atomically: the bytes go to a new temporary file in the same folder,
/// are flushed to disk, and the temporary file is then renamed over `url`. Readers see either
/// the old file or the complete new one; on failure the temporary file is removed.
public func writeFileAtomically(_ data: Data, to url: URL) throws(AtomicWriteFailure) {
    let folder = url.deletingLastPathComponent()
    let temporary = folder.appendingPathComponent(
        ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
        throw AtomicWriteFailure(reason: "cannot create a temporary file in "
            + "\(folder.path): \(String(cString: strerror(errno)))")
    }
    var failure: String?
    data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let written = write(descriptor, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                failure = String(cString: strerror(errno))
                return
            }
            offset += written
        }
    }
    if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
    if close(descriptor) != 0, failure == nil { failure = String(cString: strerror(errno)) }
    if failure == nil, rename(temporary.path, url.path) != 0 {
        failure = String(cString: strerror(errno))
    }
    if let failure {
        unlink(temporary.path)
        throw AtomicWriteFailure(reason: failure)
    }
}
