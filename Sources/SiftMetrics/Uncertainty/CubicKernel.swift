/// The cubic polynomial kernel of KID, `k(x, y) = (xᵀy / d + 1)³`, on feature sets.
public enum CubicKernel {
    /// `k(a_i, b_j)` `(a.rows, b.rows)`, row-major.
    public static func matrix(_ a: FeatureMatrix, _ b: FeatureMatrix) -> [Double] {
        var k = [Double](repeating: 1, count: a.rows * b.rows)
        DenseAlgebra.gemm(transA: false, transB: true, m: a.rows, n: b.rows, k: a.columns, alpha: 1 / Double(a.columns),
                          a: a.values, b: b.values, beta: 1, c: &k)
        for i in k.indices { k[i] = k[i] * k[i] * k[i] }
        return k
    }

    /// The mean kernel of each row of `a` with all rows of `b` `(a.rows)`, in row blocks of `b`.
    public static func rowMeans(_ a: FeatureMatrix, _ b: FeatureMatrix, block: Int = 2048) -> [Double] {
        var sums = [Double](repeating: 0, count: a.rows)
        for lo in stride(from: 0, to: b.rows, by: block) {
            let part = b.selecting(rows: Array(lo..<min(b.rows, lo + block)))
            let k = matrix(a, part)
            for i in 0..<a.rows { for j in 0..<part.rows { sums[i] += k[i * part.rows + j] } }
        }
        return sums.map { $0 / Double(b.rows) }
    }

    /// `Σ_{i≠j} k(b_i, b_j) / (N(N − 1))`: the real–real term of the unbiased MMD², in blocks.
    public static func offDiagonalMean(_ b: FeatureMatrix, block: Int = 2048) -> Double {
        var total = 0.0
        for lo in stride(from: 0, to: b.rows, by: block) {
            let rows = Array(lo..<min(b.rows, lo + block))
            let k = matrix(b.selecting(rows: rows), b)
            for (r, i) in rows.enumerated() { for j in 0..<b.rows where j != i { total += k[r * b.rows + j] } }
        }
        let n = Double(b.rows)
        return total / (n * (n - 1))
    }
}
