import COpenBLAS
import Foundation

/// OpenBLAS kernel selection.
///
/// Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels from the CPU model when the library
/// loads; models newer than it knows (e.g. Sapphire Rapids in a VM) fall back to `Prescott`
/// (SSE3), which runs SGEMM about 4–5× slower than the AVX-512 kernels the CPU can execute. The
/// choice can only be overridden with `OPENBLAS_CORETYPE` before the library loads, so
/// ``relaunchWithBestKernels()`` sets it from the CPU's feature flags and re-executes the process.
public enum BLASCore {
    /// The OpenBLAS core type matching this CPU's instruction sets, or `nil` if it cannot be read.
    public static func bestCoreType(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> String? {
        guard let cpuinfo,
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// Sets `OPENBLAS_CORETYPE` (when a better core type is known) and `OPENBLAS_THREAD_TIMEOUT`
    /// where unset and replaces the process with a fresh copy of itself (same arguments), so that
    /// OpenBLAS loads with the right kernels and idle workers that sleep. Returns normally when nothing needs to change or the re-exec is impossible.
    /// Set `SIFT_NO_BLAS_RELAUNCH=1` to opt out.
    public static func relaunchWithBestKernels() {
        let env = ProcessInfo.processInfo.environment
        guard env["SIFT_NO_BLAS_RELAUNCH"] == nil else { return }
        var changed = false
        if env["OPENBLAS_CORETYPE"] == nil, let core = bestCoreType() {
            setenv("OPENBLAS_CORETYPE", core, 1)
            changed = true
        }
        // OpenBLAS workers spin for 2^28 cycles (~0.1 s) after each call by default; 2^20 (~0.4 ms)
        // still covers the waits inside one product but lets them sleep between products.
        if env["OPENBLAS_THREAD_TIMEOUT"] == nil {
            setenv("OPENBLAS_THREAD_TIMEOUT", "20", 1)
            changed = true
        }
        guard changed else { return }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv only returns on failure: carry on with the kernels already loaded.
    }

    /// The kernel set OpenBLAS runs with (`openblas_get_corename`, e.g. "SkylakeX", "Haswell").
    public static var loadedCoreName: String { String(cString: openblas_get_corename()) }

    /// Whether OpenBLAS's batch-stable products round exactly as Sift's own kernels
    /// (``PackedLinear``, ``FusedAttentionKernel``: one FMA chain per depth chunk): true with the
    /// SkylakeX kernels, which those kernels were checked against. With others (Haswell on AVX2
    /// machines) OpenBLAS rounds some products differently, and a column of a product can depend on
    /// how many columns came with it; there the convolutions and shared-weight products run on
    /// Sift's own kernel instead (every `Tensor.linear` always does).
    public static let openBLASMatchesOwnKernels = loadedCoreName.lowercased() == "skylakex"
}
