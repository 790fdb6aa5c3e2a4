import COpenBLAS

/// Double-precision dense algebra on row-major buffers: OpenBLAS `cblas_dgemm` and LAPACK
/// `dsyevd` (symmetric eigendecomposition).
///
/// Every call runs OpenBLAS on one thread: its threaded paths block deep products and
/// eigen-solver updates differently, which changes the last digits of a metric with the thread
/// count (a `--jobs 2` run must give the same FID as `--jobs 1`). Metric products are small.
public enum DenseAlgebra {
    /// Runs `body` with OpenBLAS limited to one thread, restoring the previous count.
    static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        if previous != 1 { openblas_set_num_threads(1) }
        defer { if previous != 1 { openblas_set_num_threads(previous) } }
        return try body()
    }

    /// C = alpha · op(A) · op(B) + beta · C with op(A) m×k, op(B) k×n, C m×n, natural leading
    /// dimensions of the stored matrices.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
                            a: UnsafePointer<Double>, b: UnsafePointer<Double>, beta: Double = 0,
                            c: UnsafeMutablePointer<Double>) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            for i in 0..<(m * n) { c[i] = beta == 0 ? 0 : beta * c[i] }
            return
        }
        singleThreaded {
            cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
                        beta, c, Int32(n))
        }
    }

    /// Eigenvalues (ascending) of the symmetric `n`×`n` matrix, and with `vectors` its
    /// eigenvectors as the rows of a row-major `n`×`n` array (row j belongs to eigenvalue j).
    public static func symmetricEigen(_ matrix: [Double], dimension n: Int, vectors: Bool) throws(MetricsError)
        -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n, "symmetricEigen: \(matrix.count) values for \(n)×\(n)")
        if n == 0 { return ([], []) }
        // LAPACK is column-major; a symmetric matrix reads the same either way, and the column-major
        // eigenvector columns are contiguous, i.e. rows of the row-major result.
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var jobz: CChar = vectors ? 86 : 78  // "V" or "N"
        var uplo: CChar = 85                   // "U"
        var order = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workQuery = [Double](repeating: 0, count: 1)
        var iworkQuery = [Int32](repeating: 0, count: 1)
        singleThreaded { dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &workQuery, &lwork, &iworkQuery, &liwork, &info) }
        guard info == 0 else { throw .lapack(routine: "dsyevd (workspace query)", info: Int(info)) }
        lwork = Int32(workQuery[0].rounded(.up))
        liwork = max(iworkQuery[0], 1)
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        singleThreaded { dsyevd_(&jobz, &uplo, &order, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info) }
        guard info == 0 else { throw .lapack(routine: "dsyevd", info: Int(info)) }
        return (w, vectors ? a : [])
    }

    /// The principal square root of a symmetric positive semi-definite matrix, with round-off
    /// negative eigenvalues clamped to zero: `V · diag(√max(w, 0)) · Vᵀ`.
    public static func symmetricSquareRoot(_ matrix: [Double], dimension n: Int) throws(MetricsError) -> [Double] {
        let (w, e) = try symmetricEigen(matrix, dimension: n, vectors: true)
        // Scaled rows: B[j, :] = √w_j · e_j; root = Eᵀ · B.
        var scaled = e
        for j in 0..<n {
            let s = max(w[j], 0).squareRoot()
            for i in 0..<n { scaled[j * n + i] *= s }
        }
        var root = [Double](repeating: 0, count: n * n)
        gemm(transA: true, transB: false, m: n, n: n, k: n, a: e, b: scaled, c: &root)
        return root
    }
}
