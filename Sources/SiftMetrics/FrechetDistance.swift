/// The Fréchet distance between Gaussians fitted to two feature sets (FID on eval-cnn features):
/// `‖μ1 − μ2‖² + tr Σ1 + tr Σ2 − 2·tr √(Σ1 Σ2)`.
///
/// `tr √(Σ1 Σ2)` is `Σ √λ_i(M)` with `M = Σ2^{1/2} Σ1 Σ2^{1/2}` symmetric PSD (the eigenvalues of
/// Σ1Σ2 and M coincide), from two LAPACK symmetric eigendecompositions in Double. No complex
/// arithmetic or ε fallback is needed and rank-deficient covariances give finite values.
public struct FrechetReference: Sendable {
    public let statistics: GaussianStatistics
    /// `Σ^{1/2}` of the reference, computed once.
    let covarianceRoot: [Double]

    public init(_ statistics: GaussianStatistics) throws(MetricsError) {
        self.statistics = statistics
        covarianceRoot = try DenseAlgebra.symmetricSquareRoot(statistics.covariance, dimension: statistics.dimension)
    }

    /// FID of `other` against this reference.
    public func distance(to other: GaussianStatistics) throws(MetricsError) -> Double {
        let d = statistics.dimension
        precondition(other.dimension == d, "FrechetReference.distance: dimension \(other.dimension) vs \(d)")
        var meanTerm = 0.0
        for i in 0..<d { let diff = statistics.mean[i] - other.mean[i]; meanTerm += diff * diff }
        // M = R · Σ_other · R   (d, d)
        var half = [Double](repeating: 0, count: d * d)
        var m = [Double](repeating: 0, count: d * d)
        DenseAlgebra.gemm(transA: false, transB: false, m: d, n: d, k: d, a: covarianceRoot, b: other.covariance, c: &half)
        DenseAlgebra.gemm(transA: false, transB: false, m: d, n: d, k: d, a: half, b: covarianceRoot, c: &m)
        let eigenvalues = try DenseAlgebra.symmetricEigen(GaussianStatistics.symmetrised(m, d), dimension: d, vectors: false).values
        let traceRoot = eigenvalues.reduce(0) { $0 + max($1, 0).squareRoot() }
        return meanTerm + statistics.trace + other.trace - 2 * traceRoot
    }
}

public enum FrechetDistance {
    /// FID between two statistics.
    public static func compute(_ a: GaussianStatistics, _ b: GaussianStatistics) throws(MetricsError) -> Double {
        try FrechetReference(b).distance(to: a)
    }

    /// FID between two feature sets (validated: non-empty, finite, same width).
    public static func compute(_ a: FeatureMatrix, _ b: FeatureMatrix,
                               names: (String, String) = ("first features", "second features")) throws(MetricsError) -> Double {
        try a.validate(names.0)
        try b.validate(names.1)
        try a.requireSameWidth(as: b, names.0, names.1)
        return try compute(GaussianStatistics(a), GaussianStatistics(b))
    }

    /// FID of each class's generated features against that class's real features, for the
    /// classes present in both sets (labels per row).
    public static func perClass(fake: FeatureMatrix, fakeLabels: [Int], real: FeatureMatrix,
                                realLabels: [Int]) throws(MetricsError) -> [Int: Double] {
        precondition(fake.rows == fakeLabels.count && real.rows == realLabels.count, "perClass: labels do not match rows")
        var out = [Int: Double]()
        for c in Set(fakeLabels).intersection(realLabels).sorted() {
            let f = fake.selecting(rows: fakeLabels.indices.filter { fakeLabels[$0] == c })
            let r = real.selecting(rows: realLabels.indices.filter { realLabels[$0] == c })
            out[c] = try compute(f, r, names: ("generated features of class \(c)", "real features of class \(c)"))
        }
        return out
    }
}
