import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<cell>/.lock` while a run writes the cell: a second live run skips
/// the cell; the kernel drops the lock when its process dies (e.g. `kill -9`), so a rerun takes
/// over without any stale-lock guessing. The file holds the owner's pid for people reading it.
public final class CellLock {
    let url: URL
    let descriptor: Int32

    /// Takes the lock of `folder`, or returns nil when another open lock (a live run) holds it.
    public static func acquire(_ folder: URL) throws -> CellLock? {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(".lock")
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: url.path, problem: "cannot open the cell lock (\(String(cString: strerror(errno))))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        return CellLock(url: url, descriptor: fd)
    }

    init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    /// Removes the lock file and drops the lock.
    public func release() {
        unlink(url.path)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
