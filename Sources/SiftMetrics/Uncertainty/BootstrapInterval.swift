/// A two-sided interval at some level.
public struct Interval: Codable, Equatable, Sendable {
    public let low: Double
    public let high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
    public func contains(_ x: Double) -> Bool { low <= x && x <= high }
    public var width: Double { high - low }
}

/// Intervals from bootstrap replicates.
public enum BootstrapInterval {
    /// The bias-shifted percentile interval: the replicates are shifted so that their mean is the
    /// estimate (removing the bootstrap's estimate of the resampling bias, `mean(θ*) − θ̂`), then
    /// their `(1 ± level)/2` quantiles are taken. A plug-in FID, KID or recall computed on a
    /// resample with repeated slots is biased (repeats shrink the covariance and the k-NN radii),
    /// often by more than its spread, so the plain percentile interval would miss the estimate and
    /// the bias-corrected (BC) one collapses onto the lowest replicates; shifting keeps the
    /// bootstrap's spread and centres it on the estimate. For unbiased statistics (means) the
    /// shift is ≈ 0 and this is the percentile interval.
    public static func biasShifted(estimate: Double, replicates: [Double], level: Double = 0.95) -> Interval {
        let r = replicates.filter { !$0.isNaN }
        guard !r.isEmpty, estimate.isFinite else { return Interval(low: .nan, high: .nan) }
        let shift = r.reduce(0, +) / Double(r.count) - estimate
        let shifted = r.map { $0 - shift }.sorted()
        if shifted.first == shifted.last { return Interval(low: estimate, high: estimate) }
        return Interval(low: quantile(shifted, 0.5 - level / 2), high: quantile(shifted, 0.5 + level / 2))
    }

    /// Replicates of a difference shifted so that their mean is the observed difference (see
    /// ``biasShifted(estimate:replicates:level:)``), for p-values.
    public static func shifted(_ replicates: [Double], to estimate: Double) -> [Double] {
        let r = replicates.filter { !$0.isNaN }
        guard !r.isEmpty else { return [] }
        let shift = r.reduce(0, +) / Double(r.count) - estimate
        return r.map { $0 - shift }
    }

    /// The bias-corrected (BC) percentile interval (Efron 1981): with z₀ = Φ⁻¹(share of
    /// replicates below the estimate, ties counting half), the interval is the replicates'
    /// quantiles at Φ(2z₀ ± z_{1−α/2}). When the replicates sit on one side of the estimate —
    /// as a plug-in FID's do, since repeated slots shrink the covariance — the plain percentile
    /// interval would be shifted by that bias; BC shifts it back. NaN replicates are dropped; a
    /// degenerate set (all equal to the estimate) gives the zero-width interval at the estimate.
    public static func biasCorrected(estimate: Double, replicates: [Double], level: Double = 0.95) -> Interval {
        let r = replicates.filter { !$0.isNaN }.sorted()
        guard !r.isEmpty, estimate.isFinite else { return Interval(low: .nan, high: .nan) }
        if r.first == r.last && r.first == estimate { return Interval(low: estimate, high: estimate) }
        let below = Double(r.filter { $0 < estimate }.count), ties = Double(r.filter { $0 == estimate }.count)
        // Clamp the share away from 0 and 1 so that z₀ stays finite.
        let share = min(max((below + 0.5 * ties) / Double(r.count), 0.5 / Double(r.count)), 1 - 0.5 / Double(r.count))
        let z0 = Normal.quantile(share), z = Normal.quantile(0.5 + level / 2)
        return Interval(low: quantile(r, Normal.cdf(2 * z0 - z)), high: quantile(r, Normal.cdf(2 * z0 + z)))
    }

    /// The plain percentile interval.
    public static func percentile(_ replicates: [Double], level: Double = 0.95) -> Interval {
        let r = replicates.filter { !$0.isNaN }.sorted()
        guard !r.isEmpty else { return Interval(low: .nan, high: .nan) }
        return Interval(low: quantile(r, 0.5 - level / 2), high: quantile(r, 0.5 + level / 2))
    }

    /// The `p`-quantile of ascending `sorted` values, interpolating linearly between order
    /// statistics (numpy's default).
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * min(max(p, 0), 1)
        let lo = Int(h.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }

    /// Two-sided bootstrap p-value of "the difference is 0" from replicates of the difference:
    /// twice the smaller tail count at 0 (ties counting half), plus one, over B + 1 — never below
    /// what B replicates can show (2/(B + 1)) — at most 1; 1 when every replicate is 0.
    public static func pValue(differences: [Double]) -> Double {
        let r = differences.filter { !$0.isNaN }
        guard !r.isEmpty else { return .nan }
        if r.allSatisfy({ $0 == 0 }) { return 1 }
        let below = Double(r.filter { $0 < 0 }.count), ties = Double(r.filter { $0 == 0 }.count), above = Double(r.filter { $0 > 0 }.count)
        return min(1, 2 * (min(below + 0.5 * ties, above + 0.5 * ties) + 1) / Double(r.count + 1))
    }
}
