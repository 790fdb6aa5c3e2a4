import Foundation
import SiftUtilities

/// How Sift runs its workers: requests of at most `batch` items, each answered within `timeout`
/// seconds. Execution settings only (the experiment file's `workers:` section): not part of cell ids.
public struct WorkerSettings: Equatable, Sendable {
    /// Items per request (nil: the worker's `max_batch`).
    public var batch: Int?
    /// Seconds a worker may stay silent during a request before it is stopped.
    public var timeout: Double = 600
    public init(batch: Int? = nil, timeout: Double = 600) {
        self.batch = batch
        self.timeout = timeout
    }
}

/// The workers of this process, one per command: started when first named (reading an
/// experiment file describes them, since their weights are part of cell ids), reused by every
/// cell that names the same command, stopped by ``stopAll()``.
public final class WorkerCatalog: @unchecked Sendable {
    public static let shared = WorkerCatalog()
    private let lock = NSLock()
    private var clients = [String: WorkerClient]()
    private var hashes = [String: String]()
    /// Settings of workers started from now on.
    public var settings = WorkerSettings()

    public init() {}

    /// The running worker of `command`, started (and described) on first use.
    public func client(_ command: String) throws -> WorkerClient {
        lock.lock(); defer { lock.unlock() }
        if let c = clients[command] {
            if c.process.isRunning { return c }
            c.shutdown()  // a worker that died or was stopped: close its pipes, start a new one
        }
        let c = try WorkerClient(command: command, batch: settings.batch, timeout: settings.timeout)
        clients[command] = c
        return c
    }

    /// What the worker of `command` says of itself (starting it if needed).
    public func describe(_ command: String) throws -> WorkerDescription { try client(command).description }

    /// FNV-1a of the weights file the worker of `command` names ("none" when it names none): the
    /// part of a cell id that changes when the worker's weights change.
    public func weightsHash(_ command: String) throws -> String {
        let description = try describe(command)
        lock.lock(); defer { lock.unlock() }
        if let h = hashes[command] { return h }
        var hash = "none"
        if let path = description.weights {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw WorkerError.unsuitable(command: command, problem: "names weights file '\(path)', which cannot be read (paths are relative to Sift's working folder)")
            }
            hash = FNV1a.hex(data)
        }
        hashes[command] = hash
        return hash
    }

    /// Shuts every worker down (each gets `shutdown`, then SIGTERM, then SIGKILL).
    public func stopAll() {
        lock.lock()
        let all = Array(clients.values)
        clients.removeAll()
        lock.unlock()
        for c in all { c.shutdown() }
    }
}
