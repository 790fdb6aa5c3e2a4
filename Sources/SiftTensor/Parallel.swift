import COpenBLAS
import Dispatch
import Foundation

/// How many threads Sift's own loops and OpenBLAS may use. Kept in step so that running several
/// jobs side by side never oversubscribes the cores.
public enum Threads {
    nonisolated(unsafe) private static var current: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Threads used by elementwise/reduction loops and by OpenBLAS.
    public static var count: Int { current }

    /// Sets the thread count of Sift's loops and of OpenBLAS together (at least 1). `sift`
    /// starts OpenBLAS with `OPENBLAS_THREAD_TIMEOUT=20` (see ``BLASCore``), so its workers sleep
    /// right after each product instead of spinning on `sched_yield` and taking the second core
    /// away from Sift's own loops.
    public static func set(_ n: Int) {
        // More threads than cores only adds contention (and the worker pool has one per core).
        current = min(max(1, n), ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(Int32(current))
    }
}

/// A pointer that may cross into the worker closures of ``parallelChunks(_:minChunk:_:)``.
/// Workers write disjoint ranges, so sharing it is safe.
public struct SharedPointer<T>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<T>
    public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    public subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

/// A read-only pointer for worker closures.
public struct SharedConstPointer<T>: @unchecked Sendable {
    public let base: UnsafePointer<T>
    public init(_ base: UnsafePointer<T>) { self.base = base }
    public subscript(i: Int) -> T { base[i] }
}

/// Splits `0..<count` into contiguous ranges and runs `body` on them, in parallel over
/// ``Threads/count`` threads when each thread gets at least `minChunk` items, else inline.
/// Results must not depend on the split (each index is processed exactly once).
public func parallelChunks(_ count: Int, minChunk: Int = 32_768, _ body: (Range<Int>) -> Void) {
    let threads = min(Threads.count, count / max(minChunk, 1))
    if threads <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    onWorkers(threads) { part in body((count * part / threads)..<(count * (part + 1) / threads)) }
}

/// Runs `body(i)` for each `i` in `0..<count`, spreading indices over threads when `count > 1`
/// and `parallel` is true (for coarse-grained work such as one image or one attention head each).
public func parallelFor(_ count: Int, parallel: Bool = true, _ body: (Int) -> Void) {
    guard parallel, Threads.count > 1, count > 1 else {
        for i in 0..<count { body(i) }
        return
    }
    let threads = min(Threads.count, count)
    onWorkers(threads) { part in
        var i = part
        while i < count { body(i); i += threads }
    }
}

/// Runs `body(part)` for `part` in `0..<workers`: part 0 on the calling thread, the others on
/// Sift's persistent worker threads, each adopting the caller's floating-point mode
/// (flush-to-zero). Calls made while the pool is busy (nested parallelism, or another thread
/// using it) run their parts one after another on the calling thread.
private func onWorkers(_ workers: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        if !WorkerPool.shared.run(parts: workers, body) {
            for part in 0..<workers { body(part) }
        }
    }
}

/// Long-lived worker threads that sleep on a semaphore between jobs (no spinning), so every
/// parallel region really gets the other cores: Dispatch's pool sometimes runs
/// `concurrentPerform` iterations serially on the caller.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    private let lock = NSLock()
    private var busy = false
    private var job: ((Int) -> Void)?
    private var parts = 0
    private var mode: UInt32 = 0
    private let start: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)

    init(workers: Int) {
        start = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.loop(index) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func loop(_ index: Int) {
        while true {
            start[index].wait()
            let part = index + 1
            if part < parts, let job {
                let saved = sift_fp_mode()
                sift_set_fp_mode(mode)
                job(part)
                sift_set_fp_mode(saved)
            }
            done.signal()
        }
    }

    /// Runs the parts in parallel; returns false (doing nothing) if the pool is busy or too small.
    func run(parts: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard parts >= 2, parts - 1 <= start.count, lock.try() else { return false }
        if busy { lock.unlock(); return false }
        busy = true
        lock.unlock()
        job = body
        self.parts = parts
        mode = sift_fp_mode()
        let helpers = parts - 1
        for i in 0..<helpers { start[i].signal() }
        body(0)
        for _ in 0..<helpers { done.wait() }
        job = nil
        lock.lock(); busy = false; lock.unlock()
        return true
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
