import COpenBLAS

/// Matrix products on row-major Float32 buffers: OpenBLAS `cblas_sgemm`, a strided batched form,
/// and a naive triple loop kept as the reference the BLAS path is tested against.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is m×k, op(B) is k×n, C is m×n.
    /// Leading dimensions are those of the stored (untransposed) matrices.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        // OpenBLAS threads large products itself (Threads.set keeps its count in step with ours).
        // Splitting them over our own threads instead is slower: concurrent large OpenBLAS calls
        // serialise on its buffer pool.
        single(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
                            c: UnsafeMutablePointer<Float>, alpha: Float = 1, beta: Float = 0) {
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
              a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, beta: beta, c: c, ldc: n)
    }

    /// A fully connected layer on raw buffers: `out[rows, outF] = x[rows, inF] · Wᵀ + bias`
    /// (`weight` `[outF, inF]`). The bias is copied into every output row first, then one GEMM
    /// with beta = 1 adds the product.
    @inline(__always)
    public static func linear(_ x: UnsafePointer<Float>, rows: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                              inFeatures: Int, outFeatures: Int, out: UnsafeMutablePointer<Float>) {
        if let bias { for r in 0..<rows { (out + r * outFeatures).update(from: bias, count: outFeatures) } }
        gemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, a: x, b: weight, c: out,
             beta: bias == nil ? 0 : 1)
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
