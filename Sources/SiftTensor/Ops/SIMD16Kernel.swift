/// Unaligned loads and stores of 16 floats (one AVX-512 register) for the hand-vectorised kernels
/// (``LinearTileKernel``, ``FusedAttentionKernel``): a kernel enum conforms and calls `load`/`store`.
protocol SIMD16Kernel {}

extension SIMD16Kernel {
    typealias F16 = SIMD16<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> F16 { UnsafeRawPointer(p).loadUnaligned(as: F16.self) }

    @inline(__always)
    static func store(_ x: F16, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: F16.self) }
}
