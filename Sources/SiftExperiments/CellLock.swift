import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A lock file in a cell folder holding the owner's pid: a second run skips a cell another live
/// process is writing; a lock left by a dead process (e.g. after `kill -9`) is taken over.
public final class CellLock {
    let url: URL

    /// Takes the lock of `folder`, or returns nil when a live process holds it.
    public static func acquire(_ folder: URL) throws -> CellLock? {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(".lock")
        for _ in 0..<2 {
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                let text = "\(getpid())\n"
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                return CellLock(url: url)
            }
            // Held: by a live process, or stale.
            if let text = try? String(contentsOf: url, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               pid != getpid(), kill(pid, 0) == 0 || errno == EPERM {
                return nil
            }
            try? FileManager.default.removeItem(at: url)
        }
        return nil
    }

    init(url: URL) { self.url = url }

    public func release() { try? FileManager.default.removeItem(at: url) }
}
