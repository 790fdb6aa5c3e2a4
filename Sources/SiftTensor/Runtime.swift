import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide settings for fast tensor code.
public enum Runtime {
    /// Keeps large freed blocks in the heap instead of returning them to the kernel, so that the
    /// per-operation output arrays of big batches are reused instead of page-faulted in anew
    /// (glibc would otherwise `mmap`/`munmap` every block above 32 MiB), and sets the thread
    /// count of Sift loops and OpenBLAS together, and flushes denormal floats to zero on the
    /// calling thread (parallel workers adopt the caller's mode).
    public static func configure(threads: Int? = nil) {
        #if canImport(Glibc)
        // glibc caps the mmap threshold at 32 MiB; blocks below it are recycled from the heap.
        _ = mallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
        _ = mallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30)
        _ = mallopt(-2 /* M_TOP_PAD */, 64 << 20)
        // A file-size limit (`ulimit -f`) makes an oversized write fail with EFBIG, reported as a
        // clear error, instead of killing the process.
        signal(SIGXFSZ, SIG_IGN)
        #endif
        sift_flush_denormals()
        if let threads { Threads.set(threads) } else { Threads.set(Threads.count) }
    }
}
