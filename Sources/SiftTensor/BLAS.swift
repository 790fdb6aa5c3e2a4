import COpenBLAS

/// Matrix products on row-major Float32 buffers: OpenBLAS `cblas_sgemm`, a strided batched form,
/// and a naive triple loop kept as the reference the BLAS path is tested against.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n, C is m×n.
    /// Leading dimensions are those of the stored (untransposed) matrices.
    ///
    /// `batchStable` products (those whose m or n grows with the batch: linear layers,
    /// convolutions) give every row and column bit-identical results whatever the batch size;
    /// see ``rowInvariant``.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, batchStable: Bool = false) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        // OpenBLAS threads large products itself (Threads.set keeps its count in step with ours).
        // Splitting them over our own threads instead is slower: concurrent large OpenBLAS calls
        // serialise on its buffer pool.
        guard batchStable else {
            single(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Depth chunks of at most `stableDepth`, accumulated into C in order: OpenBLAS splits a
        // deeper k into blocks differently with one thread than with several.
        var p = 0
        while p < k {
            let depth = min(stableDepth, k - p)
            let aChunk = transA ? a + p * lda : a + p
            let bChunk = transB ? b + p : b + p * ldb
            let chunkBeta = p == 0 ? beta : 1
            if m * n * depth <= smallProductLimit {
                rowInvariant(transA, transB, m, n, depth, alpha, aChunk, lda, bChunk, ldb, chunkBeta, c, ldc)
            } else {
                single(transA, transB, m, n, depth, alpha, aChunk, lda, bChunk, ldb, chunkBeta, c, ldc)
            }
            p += depth
        }
    }

    /// The deepest product OpenBLAS computes as one block on every thread count (SGEMM_Q on
    /// SkylakeX and Haswell is at least this); batch-stable products are split into such depths.
    public static let stableDepth = 384

    /// Products with m·n·k at or below this go through OpenBLAS's "small matrix" kernels on
    /// SkylakeX, whose rounding differs from the blocked kernels'. A row of C would then depend on
    /// how many rows the call had, i.e. on the batch size. See ``rowInvariant``.
    public static let smallProductLimit = 1_000_000

    /// A small product computed so that each row of C is bit-identical to what the same row gives
    /// in any larger product: op(A) is copied into an m′×k buffer padded with zero rows until
    /// m′·n·k exceeds ``smallProductLimit``, so OpenBLAS always takes its blocked path (whose
    /// per-element summation order depends neither on m, on n nor on the thread count). Search
    /// results therefore do not depend on batch sizes. Fixed-shape products (attention heads) do
    /// not need it and skip the copies.
    static func rowInvariant(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                             _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let padded = smallProductLimit / (n * k) + 1
        let aPad = UnsafeMutablePointer<Float>.allocate(capacity: padded * k)
        let cPad = UnsafeMutablePointer<Float>.allocate(capacity: padded * n)
        defer { aPad.deallocate(); cPad.deallocate() }
        aPad.initialize(repeating: 0, count: padded * k)
        cPad.initialize(repeating: 0, count: padded * n)
        for i in 0..<m {
            for p in 0..<k { aPad[i * k + p] = transA ? a[p * lda + i] : a[i * lda + p] }
        }
        if beta != 0 {
            for i in 0..<m { (cPad + i * n).update(from: c + i * ldc, count: n) }
        }
        single(false, transB, padded, n, k, alpha, aPad, k, b, ldb, beta, cPad, n)
        for i in 0..<m { (c + i * ldc).update(from: cPad + i * n, count: n) }
    }

    @inline(__always)
    static func single(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                       _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                       _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Densely packed form: op(A) m×k, op(B) k×n, C m×n with natural leading dimensions.
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                            c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0, batchStable: Bool = false) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n, batchStable: batchStable)
    }

    /// A fully connected layer on raw buffers: `out[rows, outF] = x[rows, inF] · Wᵀ + bias`
    /// (`weight` `[outF, inF]`). The bias is copied into every output row first, then one GEMM
    /// with beta = 1 adds the product.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              inFeatures: Int, outFeatures: Int, out: UnsafeMutablePointer<Float>) {
        if let bias { for r in 0..<rows { (out + r * outFeatures).update(from: bias, count: outFeatures) } }
        gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, a: x, b: weight, c: out,
             beta: bias == nil ? 0 : 1, batchStable: true)
    }

    /// `batch` packed products C[i] = op(A[i]) op(B[i]) (+ beta C[i]); a stride of 0 reuses one
    /// matrix for every item (then with `cStride` 0 the products are summed into one C).
    public static func batchedGemm(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                   a: UnsafePointer<Float>, aStride: Int, b: UnsafePointer<Float>, bStride: Int,
                                   c: UnsafeMutablePointer<Float>, cStride: Int, beta: Float = 0) {
        for i in 0..<batch {
            let accumulate = cStride == 0 && i > 0
            gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a + i * aStride, b: b + i * bStride,
                 c: c + i * cStride, beta: accumulate ? 1 : beta)
        }
    }

    /// Reference product with the same contract as ``gemm(transA:transB:m:n:k:a:b:c:alpha:beta:)``,
    /// accumulated in Double. Slow; for tests and benchmarks only.
    public static func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * m + i] : a[i * k + p]
                    let y = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(x) * Double(y)
                }
                let prior = beta == 0 ? 0 : beta * c[i * n + j]
                c[i * n + j] = alpha * Float(s) + prior
            }
        }
    }
}
