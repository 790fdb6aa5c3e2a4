/// The inner loop of ``ColumnProduct``: one tile of 4 output rows × 3 vectors of columns of
/// `W · columns`, accumulated over a depth range, reading the column matrix where it lies (no
/// transposed copy) and broadcasting the weights.
///
/// Every output element is one chain of fused multiply-adds in depth order starting from zero —
/// the chain ``LinearTileKernel`` computes for the same row of the transposed input (a fused
/// multiply-add does not depend on the order of its two factors), so a convolution rounds as
/// ``PackedLinear`` and OpenBLAS's SkylakeX product do.
enum ColumnTileKernel {
    #if SIFT_AVX512
    /// One vector of columns: 16 floats with AVX-512 (see Package.swift)…
    typealias Vector = SIMD16<Float>
    #else
    /// …8 elsewhere, so the tile's 8 accumulators fit AVX2's 16 registers.
    typealias Vector = SIMD8<Float>
    #endif

    /// Output rows of a tile (weights are packed in blocks of this many rows).
    static let rows = 4
    /// Columns of a tile: three vectors.
    static let width = 3 * Vector.scalarCount

    /// tile[r·width ..< r·width + width] = Σ_{p ∈ depth} block[p, r] · columns[p·ld ..< p·ld + width], r < 4.
    /// `block` is the weights' `[K, 4]` block; `tile` is `[4, width]`. Twelve accumulators: enough
    /// independent chains to keep both FMA pipes busy through their latency, within 16 registers.
    @inline(__always)
    static func tile(_ columns: UnsafePointer<Float>, ld: Int, block: UnsafePointer<Float>, depth: Range<Int>,
                     tile: UnsafeMutablePointer<Float>) {
        let v = Vector.scalarCount
        var c00 = Vector(), c01 = Vector(), c02 = Vector(), c10 = Vector(), c11 = Vector(), c12 = Vector()
        var c20 = Vector(), c21 = Vector(), c22 = Vector(), c30 = Vector(), c31 = Vector(), c32 = Vector()
        var w = block + depth.lowerBound * rows
        var x = columns + depth.lowerBound * ld
        for _ in depth {
            let x0 = load(x), x1 = load(x + v), x2 = load(x + 2 * v)
            var b = Vector(repeating: w[0])
            c00 = c00.addingProduct(b, x0); c01 = c01.addingProduct(b, x1); c02 = c02.addingProduct(b, x2)
            b = Vector(repeating: w[1])
            c10 = c10.addingProduct(b, x0); c11 = c11.addingProduct(b, x1); c12 = c12.addingProduct(b, x2)
            b = Vector(repeating: w[2])
            c20 = c20.addingProduct(b, x0); c21 = c21.addingProduct(b, x1); c22 = c22.addingProduct(b, x2)
            b = Vector(repeating: w[3])
            c30 = c30.addingProduct(b, x0); c31 = c31.addingProduct(b, x1); c32 = c32.addingProduct(b, x2)
            w += rows
            x += ld
        }
        store(c00, tile); store(c01, tile + v); store(c02, tile + 2 * v)
        store(c10, tile + width); store(c11, tile + width + v); store(c12, tile + width + 2 * v)
        store(c20, tile + 2 * width); store(c21, tile + 2 * width + v); store(c22, tile + 2 * width + 2 * v)
        store(c30, tile + 3 * width); store(c31, tile + 3 * width + v); store(c32, tile + 3 * width + 2 * v)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self) }
}
