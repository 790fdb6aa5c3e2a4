import Foundation
import SiftWorker
import Synchronization
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
        // Held from creating the folder until the lock is registered, and taken for good by the
        // signal handler: a SIGTERM cannot fall between the two and leave a folder behind.
        gate.lock()
        defer { gate.unlock() }
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
        // Temporary files of an atomic write that a killed run left (the lock was free, so no
        // live writer owns them).
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            unlink(folder.appendingPathComponent(name).path)
        }
        let lock = CellLock(url: url, descriptor: fd)
        registry.withLock { $0.insert(url) }
        return lock
    }

    /// Lock files this process holds, for the signal handlers.
    static let registry = Mutex(Set<URL>())

    /// Serialises ``acquire(_:)`` with the signal handler (which never releases it).
    static let gate = NSLock()

    /// On SIGINT or SIGTERM: removes the folders of the cells this process holds that are not
    /// finished (their partial files), then dies of the signal as it would have (exit status
    /// 128 + n). Finished cells and their atomic files are untouched; a rerun resumes. External
    /// workers get SIGTERM first.
    public static func discardUnfinishedOnSignals() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                gate.lock()  // no cell folder is created from here on; the process dies below
                for lock in registry.withLock({ $0 }) {
                    let folder = lock.deletingLastPathComponent()
                    if !FileManager.default.fileExists(atPath: folder.appendingPathComponent("metrics.json").path) {
                        try? FileManager.default.removeItem(at: folder)
                    }
                }
                WorkerRegistry.shared.terminateAll()
                signal(sig, SIG_DFL)
                kill(getpid(), sig)  // process-directed: dispatch threads block signals
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// The installed sources (kept alive; set once, from the main thread, before any run).
    nonisolated(unsafe) static var signalSources = [DispatchSourceSignal]()

    init(url: URL, descriptor: Int32) {
        self.url = url
        self.descriptor = descriptor
    }

    /// Removes the lock file and drops the lock; with `discardingFolder` (a cell that did not
    /// finish) first removes the cell's folder, so a failed run leaves no partial cell.
    public func release(discardingFolder: Bool = false) {
        if discardingFolder { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        Self.registry.withLock { _ = $0.remove(url) }
        unlink(url.path)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
