import COpenBLAS
import Dispatch
import Foundation

/// How many threads Sift's own loops and OpenBLAS may use. Kept in step so that running several
/// jobs side by side (`--jobs`) never oversubscribes the cores.
public enum Threads {
    nonisolated(unsafe) private static var current: Int = {
        openblas_set_num_threads(1)  // see set(_:)
        return ProcessInfo.processInfo.activeProcessorCount
    }()

    /// Threads used by elementwise/reduction loops and by OpenBLAS.
    public static var count: Int { current }

    /// Sets the thread count of Sift's loops and matrix products (at least 1). OpenBLAS itself
    /// always runs single-threaded: ``BLAS`` splits large products over Sift's threads, which
    /// sleep when idle, whereas OpenBLAS's own workers spin (`sched_yield`) between calls and
    /// take the second core away from everything else.
    public static func set(_ n: Int) {
        current = max(1, n)
        openblas_set_num_threads(1)
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

/// Runs `body(part)` for `part` in `0..<workers` on Dispatch's worker threads, each adopting the
/// caller's floating-point mode (flush-to-zero) for the duration and restoring its own after.
private func onWorkers(_ workers: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        let mode = sift_fp_mode()
        DispatchQueue.concurrentPerform(iterations: workers) { part in
            let saved = sift_fp_mode()
            sift_set_fp_mode(mode)
            defer { sift_set_fp_mode(saved) }
            box.value(part)
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
