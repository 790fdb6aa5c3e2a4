/// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
/// balls around its points with radius the distance to the k-th nearest other point (the
/// (k+1)-th smallest self-distance, self included; duplicates count); precision is the fraction
/// of generated points inside the real manifold, recall the fraction of real points inside the
/// generated one. Membership is inclusive (`<=`). Squared distances `|u|² + |v|² − 2u·v`
/// (clamped at 0) in Double, in row blocks so memory stays bounded.
public enum PrecisionRecall {
    public struct Result: Sendable, Equatable, Codable {
        public let precision: Double
        public let recall: Double
    }

    /// Rows per distance block.
    static let block = 1024

    public static func compute(real: FeatureMatrix, fake: FeatureMatrix, k: Int = 3,
                               names: (String, String) = ("real features", "generated features")) throws(MetricsError) -> Result {
        try real.validate(names.0)
        try fake.validate(names.1)
        try real.requireSameWidth(as: fake, names.0, names.1)
        guard k >= 1 else { throw .badParameter(name: "k", value: "\(k)", expected: "a positive integer") }
        guard real.rows > k else { throw .tooFew(what: names.0, rows: real.rows, needed: k + 1, purpose: "precision/recall with k = \(k)") }
        guard fake.rows > k else { throw .tooFew(what: names.1, rows: fake.rows, needed: k + 1, purpose: "precision/recall with k = \(k)") }
        let realRadii = radii(real, k: k)
        let fakeRadii = radii(fake, k: k)
        let precision = fractionInside(fake, manifold: real, radii: realRadii)
        let recall = fractionInside(real, manifold: fake, radii: fakeRadii)
        return Result(precision: precision, recall: recall)
    }

    /// Squared k-th-neighbour radius of every row of `set`.
    public static func radii(_ set: FeatureMatrix, k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: set.rows)
        forEachDistanceBlock(set, set) { rowRange, columns, distances in
            for (r, row) in rowRange.enumerated() {
                // The k + 1 smallest of the row, ascending (insertion into a tiny sorted buffer).
                var smallest = [Double](repeating: .infinity, count: k + 1)
                for j in 0..<columns {
                    let v = distances[r * columns + j]
                    if v < smallest[k] {
                        var p = k
                        while p > 0 && smallest[p - 1] > v { smallest[p] = smallest[p - 1]; p -= 1 }
                        smallest[p] = v
                    }
                }
                out[row] = smallest[k]
            }
        }
        return out
    }

    /// For each row of `points`, 1 when it lies inside `manifold`'s k-NN balls, else 0.
    public static func insideIndicators(_ points: FeatureMatrix, manifold: FeatureMatrix, k: Int) -> [Double] {
        insideIndicators(points, manifold: manifold, radii: radii(manifold, k: k))
    }

    /// For each row of `points`, 1 when it is within the squared radius of at least one row of
    /// `manifold`, else 0.
    static func insideIndicators(_ points: FeatureMatrix, manifold: FeatureMatrix, radii: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: points.rows)
        forEachDistanceBlock(points, manifold) { rowRange, columns, distances in
            for (r, row) in rowRange.enumerated() {
                for j in 0..<columns where distances[r * columns + j] <= radii[j] {
                    out[row] = 1
                    break
                }
            }
        }
        return out
    }

    /// Fraction of `points` within the squared radius of at least one row of `manifold`.
    static func fractionInside(_ points: FeatureMatrix, manifold: FeatureMatrix, radii: [Double]) -> Double {
        insideIndicators(points, manifold: manifold, radii: radii).reduce(0, +) / Double(points.rows)
    }

    /// Calls `body(rows, columnCount, squared distances [rows.count, columnCount])` for blocks of
    /// rows of `a` against all rows of `b`.
    static func forEachDistanceBlock(_ a: FeatureMatrix, _ b: FeatureMatrix,
                                     _ body: (Range<Int>, Int, UnsafeBufferPointer<Double>) -> Void) {
        let d = a.columns, nb = b.rows
        let normsA = squaredNorms(a), normsB = squaredNorms(b)
        var products = [Double](repeating: 0, count: min(block, a.rows) * nb)
        for lo in stride(from: 0, to: a.rows, by: block) {
            let hi = min(a.rows, lo + block)
            a.values.withUnsafeBufferPointer { av in
                DenseAlgebra.gemm(transA: false, transB: true, m: hi - lo, n: nb, k: d, a: av.baseAddress! + lo * d,
                                  b: b.values, c: &products)
            }
            for r in 0..<(hi - lo) {
                for j in 0..<nb {
                    products[r * nb + j] = max(normsA[lo + r] - 2 * products[r * nb + j] + normsB[j], 0)
                }
            }
            products.withUnsafeBufferPointer { body(lo..<hi, nb, $0) }
        }
    }

    static func squaredNorms(_ m: FeatureMatrix) -> [Double] {
        (0..<m.rows).map { r in m.values[(r * m.columns)..<((r + 1) * m.columns)].reduce(0) { $0 + $1 * $1 } }
    }
}
