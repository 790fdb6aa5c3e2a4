import COpenBLAS

/// Double-precision BLAS and LAPACK on row-major buffers for the metrics: `cblas_dgemm` and
/// `dsyevd` (symmetric eigendecomposition). The only place outside ``BLAS`` that calls OpenBLAS.
///
/// Every call runs OpenBLAS on one thread: its threaded paths block deep products and
/// eigen-solver updates differently, which changes the last digits of a metric with the thread
/// count (a `--jobs 2` run must give the same FID as `--jobs 1`). Metric products are small.
public enum DoublePrecisionLAPACK {
    /// LAPACK reported failure: the routine and its `info` code.
    public struct Failure: Error, Equatable {
        public let routine: String
        public let info: Int
    }

    /// Runs `body` with OpenBLAS limited to one thread, restoring the previous count.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        if previous != 1 { openblas_set_num_threads(1) }
        defer { if previous != 1 { openblas_set_num_threads(previous) } }
        return try body()
    }

    /// C = alpha · op(A) · op(B) + beta · C with op(A) m×k, op(B) k×n, C m×n, natural leading
    /// dimensions of the stored matrices; k > 0.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double, c: UnsafeMutablePointer<Double>) {
        singleThreaded {
            cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
                        beta, c, Int32(n))
        }
    }

    /// Eigenvalues (ascending) of the symmetric `n`×`n` column-major (or, being symmetric,
    /// row-major) matrix `a`, overwritten with the eigenvectors as columns when `vectors`.
    public static func symmetricEigen(_ a: inout [Double], dimension n: Int, vectors: Bool) throws(Failure) -> [Double] {
        var w = [Double](repeating: 0, count: n)
        var jobz: CChar = vectors ? 86 : 78  // "V" or "N"
        var uplo: CChar = 85                   // "U"
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workQuery = [Double](repeating: 0, count: 1)
        var iworkQuery = [Int32](repeating: 0, count: 1)
        singleThreaded { dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info) }
        guard info == 0 else { throw Failure(routine: "dsyevd (workspace query)", info: Int(info)) }
        lwork = Int32(workQuery[0].rounded(.up))
        liwork = max(iworkQuery[0], 1)
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        singleThreaded { dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info) }
        guard info == 0 else { throw Failure(routine: "dsyevd", info: Int(info)) }
        return w
    }
}
