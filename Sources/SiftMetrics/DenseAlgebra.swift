import SiftTensor

/// Double-precision dense algebra on row-major buffers, through SiftTensor's
/// ``DoublePrecisionLAPACK`` (single-threaded OpenBLAS `dgemm` and LAPACK `dsyevd`).
public enum DenseAlgebra {
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
        DoublePrecisionLAPACK.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, b: b, beta: beta, c: c)
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
        let w: [Double]
        do { w = try DoublePrecisionLAPACK.symmetricEigen(&a, dimension: n, vectors: vectors) } catch {
            throw .lapack(routine: error.routine, info: error.info)
        }
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
