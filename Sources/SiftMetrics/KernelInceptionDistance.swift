import SiftTensor
import SiftUtilities

/// Kernel Inception Distance: the unbiased MMD² with the cubic polynomial kernel
/// `k(x, y) = (xᵀy / d + 1)³`, averaged over random subsets (torch-fidelity's estimator; the
/// cross term keeps its diagonal).
public enum KernelInceptionDistance {
    public struct Result: Sendable, Equatable, Codable {
        public let mean: Double
        public let std: Double
        public let subsets: Int
        public let subsetSize: Int
    }

    /// KID of `fake` against `real` over `subsets` subsets of `subsetSize` rows each (capped at the
    /// smaller set's size), drawn without replacement by a Philox stream keyed by `seed`.
    public static func compute(real: FeatureMatrix, fake: FeatureMatrix, subsets: Int = 100, subsetSize: Int = 1000,
                               seed: UInt64 = 2020, names: (String, String) = ("real features", "generated features")) throws(MetricsError) -> Result {
        try real.validate(names.0)
        try fake.validate(names.1)
        try real.requireSameWidth(as: fake, names.0, names.1)
        guard subsets >= 1 else { throw .badParameter(name: "kid subsets", value: "\(subsets)", expected: "a positive integer") }
        guard subsetSize >= 2 else { throw .badParameter(name: "kid subset size", value: "\(subsetSize)", expected: "at least 2") }
        let m = min(subsetSize, real.rows, fake.rows)
        guard m >= 2 else {
            throw .tooFew(what: real.rows < fake.rows ? names.0 : names.1, rows: min(real.rows, fake.rows), needed: 2, purpose: "KID")
        }
        let rng = Philox(seed: seed, stream: 0x4B1D)
        var values = [Double]()
        for s in 0..<subsets {
            let a = sampleWithoutReplacement(m, of: real.rows, rng: rng.stream(UInt64(s), 0))
            let b = sampleWithoutReplacement(m, of: fake.rows, rng: rng.stream(UInt64(s), 1))
            values.append(mmd2(real.selecting(rows: a), fake.selecting(rows: b)))
        }
        let stats = MeanAndDeviation(values)
        return Result(mean: stats.mean, std: stats.std, subsets: subsets, subsetSize: m)
    }

    /// Unbiased MMD² of two equally sized sets with the cubic kernel:
    /// `[Σ_{i≠j} k(x_i,x_j) + Σ_{i≠j} k(y_i,y_j)] / (m(m−1)) − 2 Σ_{i,j} k(x_i,y_j) / m²`.
    public static func mmd2(_ x: FeatureMatrix, _ y: FeatureMatrix) -> Double {
        precondition(x.rows == y.rows && x.columns == y.columns && x.rows >= 2, "mmd2: sets must match in shape, 2+ rows")
        let m = x.rows, d = x.columns
        func kernelSum(_ a: FeatureMatrix, _ b: FeatureMatrix, offDiagonal: Bool) -> Double {
            // K = (A Bᵀ / d + 1)³   (m, m)
            var k = [Double](repeating: 1, count: m * m)
            DenseAlgebra.gemm(transA: false, transB: true, m: m, n: m, k: d, alpha: 1 / Double(d),
                              a: a.values, b: b.values, beta: 1, c: &k)
            var total = 0.0
            for i in 0..<m {
                for j in 0..<m where !(offDiagonal && i == j) {
                    let v = k[i * m + j]
                    total += v * v * v
                }
            }
            return total
        }
        let pairs = Double(m * (m - 1))
        return (kernelSum(x, x, offDiagonal: true) + kernelSum(y, y, offDiagonal: true)) / pairs
            - 2 * kernelSum(x, y, offDiagonal: false) / Double(m * m)
    }

    /// `count` distinct indices below `n` (partial Fisher–Yates; the first `count` of a keyed shuffle).
    public static func sampleWithoutReplacement(_ count: Int, of n: Int, rng: Philox) -> [Int] {
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + rng.integer(below: n - i, at: i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count])
    }
}
