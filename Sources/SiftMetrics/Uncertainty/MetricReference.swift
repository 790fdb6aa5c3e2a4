import Foundation
import SiftTensor

/// The real side of every metric, with what the metrics derive from it computed once: the
/// Fréchet reference of the whole set and of each class, KID's real–real kernel term, and the
/// fixed real subsets precision/recall compare against.
public final class MetricReference: @unchecked Sendable {
    public let features: FeatureMatrix
    public let labels: [Int]
    public let frechet: FrechetReference
    private let lock = NSLock()
    private var classes: [Int: FrechetReference]?
    private var realTerm: Double?

    /// `kidRealTerm`: the value of ``kidRealTerm`` when known (a cache), else computed on first use.
    public init(features: FeatureMatrix, labels: [Int], kidRealTerm: Double? = nil) throws(MetricsError) {
        precondition(features.rows == labels.count, "MetricReference: \(features.rows) rows, \(labels.count) labels")
        self.features = features
        self.labels = labels
        frechet = try FrechetReference(GaussianStatistics(features))
        realTerm = kidRealTerm
    }

    /// The Fréchet reference of each class's rows.
    public var classReferences: [Int: FrechetReference] {
        lock.lock(); defer { lock.unlock() }
        if let classes { return classes }
        var out = [Int: FrechetReference]()
        for c in Set(labels).sorted() {
            out[c] = try? FrechetReference(GaussianStatistics(features.selecting(rows: labels.indices.filter { labels[$0] == c })))
        }
        classes = out
        return out
    }

    /// `Σ_{i≠j} k(y_i, y_j) / (N(N − 1))` over all reference rows (cubic kernel).
    public var kidRealTerm: Double {
        lock.lock(); defer { lock.unlock() }
        if let realTerm { return realTerm }
        let t = CubicKernel.offDiagonalMean(features)
        realTerm = t
        return t
    }

    /// The fixed real rows precision/recall compare a set of `size` generated samples with: `size`
    /// rows (at most all) drawn without replacement by a Philox stream of `seed`, in row order, so
    /// both manifolds have the same density and runs of one size compare.
    public func precisionRecallSubset(size: Int, seed: UInt64) -> FeatureMatrix {
        let rows = KernelInceptionDistance.sampleWithoutReplacement(min(size, features.rows), of: features.rows, rng: Philox(seed: seed, stream: 0x9E))
        return features.selecting(rows: rows.sorted())
    }
}
