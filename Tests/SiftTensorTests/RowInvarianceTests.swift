import Testing
@testable import SiftTensor

/// Rows of a product must not depend on how many rows the product had (batch-size invariance of
/// every model, and so of search results), nor on the thread count.
@Suite(.serialized) struct RowInvarianceTests {
    /// OpenBLAS's batch-stable product has this property with its SkylakeX kernels only; with the
    /// Haswell ones (AVX2 machines) it does not, and Sift runs those products on its own kernels
    /// there (``BLASCore/openBLASMatchesOwnKernels``; `PackedLinearTests` checks those).
    @Test(.enabled(if: BLASCore.openBLASMatchesOwnKernels, "OpenBLAS's batch-stable product is row-invariant with its SkylakeX kernels only"),
          arguments: [(96, 288), (32, 96), (96, 576), (384, 96), (128, 10), (9, 32), (784, 256), (640, 160), (3136, 128)])
    func rowsMatchAnyLargerProduct(shape: (Int, Int)) {
        let (k, n) = shape
        let threads = Threads.count
        defer { Threads.set(threads) }
        let mAll = 1000
        let a = Philox(seed: 1).normals(mAll * k), b = Philox(seed: 2).normals(n * k)
        var reference = [Float](repeating: 0, count: mAll * n)
        BLAS.gemm(transA: false, transB: true, m: mAll, n: n, k: k, a: a, b: b, c: &reference, batchStable: true)
        for t in Set([1, threads]) {
            Threads.set(t)
            for m in [1, 2, 3, 7, 16, 49, 196, 500] {
                var c = [Float](repeating: 0, count: m * n)
                BLAS.gemm(transA: false, transB: true, m: m, n: n, k: k, a: a, b: b, c: &c, batchStable: true)
                #expect(c == Array(reference.prefix(m * n)), "k \(k) n \(n) m \(m), \(t) threads")
            }
        }
    }

    @Test func transposedAndAccumulatingSmallProductsAreCorrect() {
        // The padded path must honour transA, leading dimensions, alpha and beta.
        let m = 3, n = 5, k = 4
        let a = Philox(seed: 3).normals(k * m), b = Philox(seed: 4).normals(k * n)
        var c = Philox(seed: 5).normals(m * n), expected = c
        BLAS.sgemm(transA: true, transB: false, m: m, n: n, k: k, alpha: 0.5, a: a, lda: m, b: b, ldb: n, beta: 2, c: &c, ldc: n,
                   batchStable: true)
        BLAS.naiveGemm(transA: true, transB: false, m: m, n: n, k: k, a: a, b: b, c: &expected, alpha: 0.5, beta: 2)
        for (x, y) in zip(c, expected) { #expect(abs(x - y) < 1e-5) }
    }
}
