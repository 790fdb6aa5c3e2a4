/// c[m, n] = Σ_k a[k, m] · b[k, n] — `aᵀ · b` with `a` `[K, M]` and `b` `[K, N]` both row-major:
/// the weight gradient `gᵀ · x` of a linear layer, whose depth is the batch's token rows (3,136 at
/// batch 64). No operand is packed: for each depth step a tile of 8 × 32 outputs takes 8 adjacent
/// floats of `a`'s row (broadcast) and 32 adjacent floats of `b`'s row, so both are read where
/// they lie, row after row; the depth runs in blocks that keep a worker's rows of `a` and `b` in
/// its L2 cache, and each tile is carried from block to block in `c`.
///
/// Every output is one chain of fused multiply-adds in depth order starting from zero, whatever
/// the thread count or the tiles' order, so results never depend on the thread count. AVX-512
/// builds only (16 accumulators of 16 floats); ``supports(m:n:k:)`` says which shapes it takes.
enum WeightGradientKernel: SIMD16Kernel {
    /// Tile rows (outputs of `m`) and columns (outputs of `n`).
    static let rows = 8, columns = 32
    /// Depth rows per block: at the widest layers (M or N = 640) a worker's share of `a` and `b`
    /// and its tiles of `c` take about 0.5 MB, half of a Zen 4 core's L2.
    static let depthBlock = 128

    /// Whether this build and shape can use the kernel (whole tiles only; other shapes keep BLAS).
    static func supports(m: Int, n: Int, k: Int) -> Bool {
        #if SIFT_AVX512
        return m > 0 && n > 0 && k > 0 && m % rows == 0 && n % columns == 0
        #else
        return false
        #endif
    }

    /// Writes `c` (`[m, n]`, row-major) = `aᵀ · b`, tiles spread over ``Threads/count`` workers as
    /// contiguous runs (row block by row block). Requires ``supports(m:n:k:)``.
    static func product(a: UnsafePointer<Float>, b: UnsafePointer<Float>, m: Int, n: Int, k: Int, c: UnsafeMutablePointer<Float>) {
        precondition(supports(m: m, n: n, k: k), "WeightGradientKernel: \(m)×\(n), depth \(k)")
        let panels = n / columns, tiles = (m / rows) * panels
        let workers = Swift.max(1, Swift.min(Threads.count, tiles, (m * n * k) >> 18))
        let (pa, pb, pc) = (SharedConstPointer(a), SharedConstPointer(b), SharedPointer(c))
        parallelFor(workers) { worker in
            let first = tiles * worker / workers, last = tiles * (worker + 1) / workers
            var k0 = 0
            while k0 < k {
                let depth = k0..<Swift.min(k, k0 + depthBlock)
                for tile in first..<last {
                    let m0 = (tile / panels) * rows, n0 = (tile % panels) * columns
                    accumulate(a: pa.base + m0, lda: m, b: pb.base + n0, ldb: n, depth: depth,
                               tile: pc.base + m0 * n + n0, ldc: n, fromZero: k0 == 0)
                }
                k0 = depth.upperBound
            }
        }
    }

    /// tile[i, 0..<32] (rows `ldc` apart) = (zero when `fromZero`, else itself) + Σ_{k ∈ depth}
    /// a[k·lda + i] · b[k·ldb + 0..<32], i < 8, one fused multiply-add per step.
    @inline(__always)
    static func accumulate(a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, depth: Range<Int>,
                           tile: UnsafeMutablePointer<Float>, ldc: Int, fromZero: Bool) {
        var c00 = F16(), c01 = F16(), c10 = F16(), c11 = F16(), c20 = F16(), c21 = F16(), c30 = F16(), c31 = F16()
        var c40 = F16(), c41 = F16(), c50 = F16(), c51 = F16(), c60 = F16(), c61 = F16(), c70 = F16(), c71 = F16()
        if !fromZero {
            c00 = load(tile); c01 = load(tile + 16); c10 = load(tile + ldc); c11 = load(tile + ldc + 16)
            c20 = load(tile + 2 * ldc); c21 = load(tile + 2 * ldc + 16); c30 = load(tile + 3 * ldc); c31 = load(tile + 3 * ldc + 16)
            c40 = load(tile + 4 * ldc); c41 = load(tile + 4 * ldc + 16); c50 = load(tile + 5 * ldc); c51 = load(tile + 5 * ldc + 16)
            c60 = load(tile + 6 * ldc); c61 = load(tile + 6 * ldc + 16); c70 = load(tile + 7 * ldc); c71 = load(tile + 7 * ldc + 16)
        }
        var ar = a + depth.lowerBound * lda, br = b + depth.lowerBound * ldb  // row k of a and of b
        for _ in depth {
            let b0 = load(br), b1 = load(br + 16)
            var x = F16(repeating: ar[0])
            c00 = c00.addingProduct(x, b0); c01 = c01.addingProduct(x, b1)
            x = F16(repeating: ar[1])
            c10 = c10.addingProduct(x, b0); c11 = c11.addingProduct(x, b1)
            x = F16(repeating: ar[2])
            c20 = c20.addingProduct(x, b0); c21 = c21.addingProduct(x, b1)
            x = F16(repeating: ar[3])
            c30 = c30.addingProduct(x, b0); c31 = c31.addingProduct(x, b1)
            x = F16(repeating: ar[4])
            c40 = c40.addingProduct(x, b0); c41 = c41.addingProduct(x, b1)
            x = F16(repeating: ar[5])
            c50 = c50.addingProduct(x, b0); c51 = c51.addingProduct(x, b1)
            x = F16(repeating: ar[6])
            c60 = c60.addingProduct(x, b0); c61 = c61.addingProduct(x, b1)
            x = F16(repeating: ar[7])
            c70 = c70.addingProduct(x, b0); c71 = c71.addingProduct(x, b1)
            ar += lda; br += ldb
        }
        store(c00, tile); store(c01, tile + 16); store(c10, tile + ldc); store(c11, tile + ldc + 16)
        store(c20, tile + 2 * ldc); store(c21, tile + 2 * ldc + 16); store(c30, tile + 3 * ldc); store(c31, tile + 3 * ldc + 16)
        store(c40, tile + 4 * ldc); store(c41, tile + 4 * ldc + 16); store(c50, tile + 5 * ldc); store(c51, tile + 5 * ldc + 16)
        store(c60, tile + 6 * ldc); store(c61, tile + 6 * ldc + 16); store(c70, tile + 7 * ldc); store(c71, tile + 7 * ldc + 16)
    }
}
