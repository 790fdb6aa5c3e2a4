/// Mean and covariance of a feature set, in Double; the covariance uses divisor N − 1 like
/// `np.cov(features, rowvar=False)` (a single row gives a zero covariance instead of NaN).
public struct GaussianStatistics: Sendable, Equatable {
    public let count: Int
    public let dimension: Int
    /// `[dimension]`
    public let mean: [Double]
    /// `[dimension, dimension]`, row-major, symmetric.
    public let covariance: [Double]

    public init(count: Int, mean: [Double], covariance: [Double]) {
        precondition(covariance.count == mean.count * mean.count, "GaussianStatistics: covariance is not \(mean.count)²")
        self.count = count
        self.dimension = mean.count
        self.mean = mean
        self.covariance = covariance
    }

    /// Statistics of `features` (one GEMM on the centred rows).
    public init(_ features: FeatureMatrix) {
        let n = features.rows, d = features.columns
        var mean = [Double](repeating: 0, count: d)
        features.values.withUnsafeBufferPointer { x in
            for r in 0..<n { for c in 0..<d { mean[c] += x[r * d + c] } }
        }
        for c in 0..<d { mean[c] /= Double(max(n, 1)) }
        var centred = features.values
        for r in 0..<n { for c in 0..<d { centred[r * d + c] -= mean[c] } }
        var covariance = [Double](repeating: 0, count: d * d)
        // Σ = Xcᵀ · Xc / (N − 1)   (d, d)
        DenseAlgebra.gemm(transA: true, transB: false, m: d, n: d, k: n, alpha: 1 / Double(max(n - 1, 1)),
                          a: centred, b: centred, c: &covariance)
        self.init(count: n, mean: mean, covariance: GaussianStatistics.symmetrised(covariance, d))
    }

    /// Trace of the covariance.
    public var trace: Double { (0..<dimension).reduce(0) { $0 + covariance[$1 * dimension + $1] } }

    static func symmetrised(_ m: [Double], _ d: Int) -> [Double] {
        var out = m
        for i in 0..<d { for j in (i + 1)..<max(d, i + 1) {
            let v = 0.5 * (m[i * d + j] + m[j * d + i])
            out[i * d + j] = v
            out[j * d + i] = v
        } }
        return out
    }
}

/// Running sums Σx and Σxxᵀ of a growing feature set, from which the statistics of the set with
/// one more row are formed without recomputing (the greedy FID oracle's inner loop).
public struct RunningMoments: Sendable {
    public let dimension: Int
    public private(set) var count = 0
    /// `[dimension]`
    public private(set) var sum: [Double]
    /// `[dimension, dimension]`
    public private(set) var outerSum: [Double]

    public init(dimension: Int) {
        self.dimension = dimension
        sum = [Double](repeating: 0, count: dimension)
        outerSum = [Double](repeating: 0, count: dimension * dimension)
    }

    /// Moments as ``count``, ``sum`` and ``outerSum`` read them (a saved running selection).
    public init(dimension: Int, count: Int, sum: [Double], outerSum: [Double]) {
        precondition(count >= 0 && sum.count == dimension && outerSum.count == dimension * dimension,
                     "RunningMoments: \(count) rows, sums of \(sum.count) and \(outerSum.count) for dimension \(dimension)")
        self.dimension = dimension
        self.count = count
        self.sum = sum
        self.outerSum = outerSum
    }

    /// Adds a row `[dimension]`.
    public mutating func add(_ row: ArraySlice<Double>) {
        precondition(row.count == dimension, "RunningMoments.add: row of \(row.count), need \(dimension)")
        let x = Array(row)
        for i in 0..<dimension {
            sum[i] += x[i]
            for j in 0..<dimension { outerSum[i * dimension + j] += x[i] * x[j] }
        }
        count += 1
    }

    /// Statistics of the current set plus `row` (not added).
    public func statistics(adding row: ArraySlice<Double>? = nil) -> GaussianStatistics {
        let d = dimension
        let x = row.map(Array.init)
        let n = count + (x == nil ? 0 : 1)
        var mean = sum
        if let x { for i in 0..<d { mean[i] += x[i] } }
        for i in 0..<d { mean[i] /= Double(max(n, 1)) }
        // Σ = (Σxxᵀ − n·μμᵀ) / (n − 1)
        var covariance = [Double](repeating: 0, count: d * d)
        let divisor = 1 / Double(max(n - 1, 1))
        for i in 0..<d {
            for j in 0..<d {
                var s = outerSum[i * d + j]
                if let x { s += x[i] * x[j] }
                covariance[i * d + j] = n > 1 ? (s - Double(n) * mean[i] * mean[j]) * divisor : 0
            }
        }
        return GaussianStatistics(count: n, mean: mean, covariance: covariance)
    }
}
