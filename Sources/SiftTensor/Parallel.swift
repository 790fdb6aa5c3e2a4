import COpenBLAS
import Dispatch
import Foundation
import Synchronization

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

/// Long-lived worker threads, so every parallel region really gets the other cores (Dispatch's
/// pool sometimes runs `concurrentPerform` iterations serially on the caller).
///
/// A worker that finishes a job spins for ``spinNanoseconds`` waiting for the next one and only
/// then sleeps on its semaphore; the caller, once its own part is done, spins as long for the
/// helpers before sleeping. Parallel regions come tens of microseconds apart at batch 1 and in a
/// training step's many small passes, and waking a sleeping thread through the kernel took about a
/// third of a batch-1 forward pass. Who runs what is unchanged, so no result depends on the waits.
///
/// Hand-over: the caller writes the job, then gives each helper a new ticket number; a helper
/// that saw no new ticket announces it is going to sleep (`asleep`) and checks once more before
/// waiting, and the caller signals a helper whose announcement it sees — with sequentially
/// consistent atomics one of the two always notices the other. The caller's wait for the helpers
/// (`remaining`, `callerAsleep`) works the same way. A signal that arrives when no one waits is
/// absorbed: every wait re-checks its condition.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))
    /// How long an idle worker, and the caller waiting for its helpers, spin before sleeping.
    static let spinNanoseconds: UInt64 = 20_000

    private let lock = NSLock()
    private var busy = false
    private var job: ((Int) -> Void)?
    private var mode: UInt32 = 0
    private let workers: Int
    /// Number of the last job (caller only).
    private var jobNumber = 0
    /// Per worker: the number of the last job handed to it (0: none yet).
    private let tickets: UnsafeMutablePointer<Atomic<Int>>
    /// Per worker: 1 from just before it sleeps on its semaphore until it wakes.
    private let asleep: UnsafeMutablePointer<Atomic<Int>>
    private let start: [DispatchSemaphore]
    /// Helpers still running the current job.
    private let remaining = Atomic<Int>(0)
    /// 1 from just before the caller sleeps on `done` until it wakes.
    private let callerAsleep = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)

    init(workers: Int) {
        self.workers = workers
        tickets = .allocate(capacity: max(workers, 1))
        asleep = .allocate(capacity: max(workers, 1))
        for i in 0..<workers {
            (tickets + i).initialize(to: Atomic(0))
            (asleep + i).initialize(to: Atomic(0))
        }
        start = (0..<workers).map { _ in DispatchSemaphore(value: 0) }
        for index in 0..<workers {
            let thread = Thread { [unowned self] in self.loop(index) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Spins until `ready()` or the spin time is up; returns whether `ready()` became true. It never
    /// yields the core: with another process runnable there, a yield hands it a whole time slice
    /// (batch-1 inference fell from 900 to 15 NFE/s beside two studies when it did).
    @inline(__always)
    private static func spin(until ready: () -> Bool) -> Bool {
        if ready() { return true }
        let deadline = DispatchTime.now().uptimeNanoseconds + spinNanoseconds
        while DispatchTime.now().uptimeNanoseconds < deadline {
            for _ in 0..<16 { sift_cpu_relax() }
            if ready() { return true }
        }
        return false
    }

    private func loop(_ index: Int) {
        var seen = 0
        while true {
            let ticket = tickets + index, sleeping = asleep + index
            if !Self.spin(until: { ticket.pointee.load(ordering: .acquiring) != seen }) {
                while ticket.pointee.load(ordering: .sequentiallyConsistent) == seen {
                    sleeping.pointee.store(1, ordering: .sequentiallyConsistent)
                    if ticket.pointee.load(ordering: .sequentiallyConsistent) == seen { start[index].wait() }
                    sleeping.pointee.store(0, ordering: .sequentiallyConsistent)
                }
            }
            seen = ticket.pointee.load(ordering: .acquiring)
            if let job {
                let saved = sift_fp_mode()
                sift_set_fp_mode(mode)
                job(index + 1)
                sift_set_fp_mode(saved)
            }
            if remaining.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue == 0,
               callerAsleep.load(ordering: .sequentiallyConsistent) == 1 {
                done.signal()
            }
        }
    }

    /// Runs the parts in parallel; returns false (doing nothing) if the pool is busy or too small.
    func run(parts: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard parts >= 2, parts - 1 <= workers, lock.try() else { return false }
        if busy { lock.unlock(); return false }
        busy = true
        lock.unlock()
        job = body
        mode = sift_fp_mode()
        let helpers = parts - 1
        remaining.store(helpers, ordering: .sequentiallyConsistent)
        jobNumber += 1
        for i in 0..<helpers {
            tickets[i].store(jobNumber, ordering: .sequentiallyConsistent)
            if asleep[i].load(ordering: .sequentiallyConsistent) == 1 { start[i].signal() }
        }
        body(0)
        if !Self.spin(until: { remaining.load(ordering: .acquiring) == 0 }) {
            while remaining.load(ordering: .sequentiallyConsistent) != 0 {
                callerAsleep.store(1, ordering: .sequentiallyConsistent)
                if remaining.load(ordering: .sequentiallyConsistent) != 0 { done.wait() }
                callerAsleep.store(0, ordering: .sequentiallyConsistent)
            }
        }
        job = nil
        lock.lock(); busy = false; lock.unlock()
        return true
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
