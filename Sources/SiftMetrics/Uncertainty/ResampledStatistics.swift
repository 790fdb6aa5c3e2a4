import Foundation

/// A statistic of a cell's per-slot data that can be evaluated on any bootstrap replicate: the
/// replicate that draws slot `i` `counts[i]` times (all ones: the cell itself). Data that does not
/// depend on the replicate (distances, kernels, the reference) is computed once at init.
public protocol ResampledStatistic: Sendable {
    func value(counts: [Int]) -> Double
    /// Why the bootstrap says nothing useful about this statistic on this cell (nil: it does).
    var intervalWithheld: String? { get }
}

extension ResampledStatistic {
    public var intervalWithheld: String? { nil }
}

/// The mean of a per-slot value (a verifier score, a held-out score, an indicator).
public struct ResampledMean: ResampledStatistic {
    public let values: [Double]
    public init(_ values: [Double]) { self.values = values }
    public func value(counts: [Int]) -> Double {
        var sum = 0.0, n = 0
        for (i, c) in counts.enumerated() where c > 0 { sum += Double(c) * values[i]; n += c }
        return sum / Double(n)
    }
}

/// FID of a replicate's features against fixed reference statistics. With `Xc` the replicate's
/// centred rows `(m, d)` and `R = Σ_ref^{1/2}`, `tr √(Σ_ref^{1/2} Σ Σ_ref^{1/2})` is the sum of
/// square roots of the eigenvalues of `(Xc R)ᵀ(Xc R)/(m − 1)` `(d, d)`, or of the smaller
/// `(Xc R)(Xc R)ᵀ/(m − 1)` `(m, m)` when m < d (same non-zero eigenvalues): one product of
/// the centred rows with `R` and one small eigenproblem per replicate.
public struct ResampledFID: ResampledStatistic {
    let features: FeatureMatrix
    let reference: FrechetReference

    public init(features: FeatureMatrix, reference: FrechetReference) {
        self.features = features
        self.reference = reference
    }

    /// With fewer slots than feature dimensions, a resample (≈ 63 % distinct slots) has a covariance
    /// of far lower rank than the set's, and FID* measures how many slots happened to be distinct
    /// rather than sampling noise: no interval. Between d and 2d slots the interval is kept but is
    /// conservative (repeats still cut the rank; see Experiments/README.md).
    public var intervalWithheld: String? {
        features.rows < features.columns ? "\(features.rows) samples < \(features.columns) feature dimensions" : nil
    }

    public func value(counts: [Int]) -> Double {
        let d = features.columns
        let rows = ResamplePlan.indices(counts)
        let m = rows.count
        // Centred replicate rows (m, d).
        var x = [Double](repeating: 0, count: m * d)
        var mean = [Double](repeating: 0, count: d)
        features.values.withUnsafeBufferPointer { f in
            for (r, i) in rows.enumerated() { for c in 0..<d { x[r * d + c] = f[i * d + c]; mean[c] += f[i * d + c] } }
        }
        for c in 0..<d { mean[c] /= Double(m) }
        var trace = 0.0
        for r in 0..<m { for c in 0..<d { x[r * d + c] -= mean[c]; trace += x[r * d + c] * x[r * d + c] } }
        let divisor = Double(max(m - 1, 1))
        trace /= divisor
        var meanTerm = 0.0
        for c in 0..<d { let diff = mean[c] - reference.statistics.mean[c]; meanTerm += diff * diff }
        // Y = Xc · R   (m, d)
        var y = [Double](repeating: 0, count: m * d)
        DenseAlgebra.gemm(transA: false, transB: false, m: m, n: d, k: d, a: x, b: reference.covarianceRoot, c: &y)
        let side = min(m, d)
        var gram = [Double](repeating: 0, count: side * side)
        if m < d {
            DenseAlgebra.gemm(transA: false, transB: true, m: m, n: m, k: d, alpha: 1 / divisor, a: y, b: y, c: &gram)
        } else {
            DenseAlgebra.gemm(transA: true, transB: false, m: d, n: d, k: m, alpha: 1 / divisor, a: y, b: y, c: &gram)
        }
        guard let eigen = try? DenseAlgebra.symmetricEigen(GaussianStatistics.symmetrised(gram, side), dimension: side, vectors: false) else { return .nan }
        let traceRoot = eigen.values.reduce(0) { $0 + max($1, 0).squareRoot() }
        return meanTerm + trace + reference.statistics.trace - 2 * traceRoot
    }
}

/// The mean over classes of each class's FID against that class's real statistics (classes in
/// ascending order; stratified replicates keep every class's slot count).
public struct ResampledClassFID: ResampledStatistic {
    let perClass: [(slots: [Int], fid: ResampledFID)]

    public init(features: FeatureMatrix, labels: [Int], references: [Int: FrechetReference]) {
        perClass = Set(labels).intersection(references.keys).sorted().map { c in
            let slots = labels.indices.filter { labels[$0] == c }
            return (slots, ResampledFID(features: features.selecting(rows: slots), reference: references[c]!))
        }
    }

    public func value(counts: [Int]) -> Double {
        guard !perClass.isEmpty else { return .nan }
        return perClass.reduce(0) { $0 + $1.fid.value(counts: $1.slots.map { counts[$0] }) } / Double(perClass.count)
    }

    /// Withheld when any class has fewer slots than feature dimensions (see ``ResampledFID``).
    public var intervalWithheld: String? { perClass.lazy.compactMap(\.fid.intervalWithheld).first.map { "per class: \($0)" } }
}

/// KID as the unbiased MMD² (cubic kernel) between the replicate and the whole reference set:
/// the fake–fake term averages the pairs of positions that hold different slots (a slot with its
/// own copies would add `k(f_i, f_i)`, large for a cubic kernel, with a random weight the real
/// estimator does not have), the real–real term is the reference's own (fixed), the cross term a
/// mean of per-slot kernel means. At one copy per slot this is the usual U-statistic.
public struct ResampledKID: ResampledStatistic {
    /// `k(f_i, f_j)` `(n, n)`.
    let kernel: [Double]
    /// Mean kernel of each slot with the reference rows `(n)`.
    let crossMeans: [Double]
    let realTerm: Double

    public init(features: FeatureMatrix, reference: MetricReference) {
        kernel = CubicKernel.matrix(features, features)
        crossMeans = CubicKernel.rowMeans(features, reference.features)
        realTerm = reference.kidRealTerm
    }

    public func value(counts: [Int]) -> Double {
        let n = counts.count
        let m = Double(counts.reduce(0, +))
        var pairs = 0.0, cross = 0.0, sameSlot = 0.0
        kernel.withUnsafeBufferPointer { k in
            for i in 0..<n where counts[i] > 0 {
                let wi = Double(counts[i])
                var row = 0.0
                for j in 0..<n where counts[j] > 0 && j != i { row += Double(counts[j]) * k[i * n + j] }
                pairs += wi * row
                sameSlot += wi * wi
                cross += wi * crossMeans[i]
            }
        }
        return pairs / (m * m - sameSlot) + realTerm - 2 * cross / m
    }
}

/// The Inception Score of a replicate's logits on the whole replicate (one split).
public struct ResampledInceptionScore: ResampledStatistic {
    /// p(y|x) and log p(y|x) `(n, C)`.
    let p: [Double]
    let logP: [Double]
    let classes: Int

    public init(logits: FeatureMatrix) {
        classes = logits.columns
        logP = InceptionScore.logProbabilities(logits)
        p = logP.map { exp($0) }
    }

    public func value(counts: [Int]) -> Double {
        let c = classes
        var marginal = [Double](repeating: 0, count: c)
        var m = 0.0
        for (i, w) in counts.enumerated() where w > 0 {
            for j in 0..<c { marginal[j] += Double(w) * p[i * c + j] }
            m += Double(w)
        }
        let logMarginal = marginal.map { log($0 / m) }
        var kl = 0.0
        for (i, w) in counts.enumerated() where w > 0 {
            var row = 0.0
            for j in 0..<c where p[i * c + j] > 0 { row += p[i * c + j] * (logP[i * c + j] - logMarginal[j]) }
            kl += Double(w) * row
        }
        return exp(kl / m)
    }
}

/// Improved recall of a replicate: the share of the fixed real rows inside the replicate's
/// manifold, whose radii come from the replicate itself (a repeated slot is its own neighbour at
/// distance 0, as duplicates are in ``PrecisionRecall``).
public struct ResampledRecall: ResampledStatistic {
    let k: Int
    /// Squared fake–fake distances `(n, n)` and each row's other slots by ascending distance.
    let fakeDistances: [Double]
    let neighbourOrder: [[Int]]
    /// Squared real–fake distances `(r, n)`.
    let realDistances: [Double]
    let realRows: Int

    public init(fake: FeatureMatrix, real: FeatureMatrix, k: Int) {
        self.k = k
        let n = fake.rows
        var ff = [Double](repeating: 0, count: n * n)
        PrecisionRecall.forEachDistanceBlock(fake, fake) { rows, columns, d in for (r, row) in rows.enumerated() { for j in 0..<columns { ff[row * n + j] = d[r * columns + j] } } }
        fakeDistances = ff
        neighbourOrder = (0..<n).map { i in (0..<n).filter { $0 != i }.sorted { ff[i * n + $0] < ff[i * n + $1] || (ff[i * n + $0] == ff[i * n + $1] && $0 < $1) } }
        var rf = [Double](repeating: 0, count: real.rows * n)
        PrecisionRecall.forEachDistanceBlock(real, fake) { rows, columns, d in for (r, row) in rows.enumerated() { for j in 0..<columns { rf[row * n + j] = d[r * columns + j] } } }
        realDistances = rf
        realRows = real.rows
    }

    public func value(counts: [Int]) -> Double {
        let n = counts.count
        // Squared radius of each drawn slot: its (k + 1)-th smallest distance in the replicate
        // (its own copies at 0 first).
        var radius = [Double](repeating: -1, count: n)
        for i in 0..<n where counts[i] > 0 {
            var seen = counts[i]
            var r = 0.0
            if seen <= k {
                for j in neighbourOrder[i] where counts[j] > 0 {
                    seen += counts[j]
                    if seen > k { r = fakeDistances[i * n + j]; break }
                }
                if seen <= k { r = .infinity }
            }
            radius[i] = r
        }
        var inside = 0
        for r in 0..<realRows {
            for i in 0..<n where counts[i] > 0 && realDistances[r * n + i] <= radius[i] {
                inside += 1
                break
            }
        }
        return Double(inside) / Double(realRows)
    }
}
