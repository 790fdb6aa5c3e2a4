import Foundation
import SiftMetrics
import SiftUtilities

/// How an ensemble combines its members' scores within each candidate pool.
public enum EnsembleRule: String, Codable, Sendable, CaseIterable {
    /// The paper's rule: the unweighted mean of each member's rank within the pool (rank 1 = best;
    /// equal scores rank by candidate order, earlier first). Score = −mean rank.
    case meanRank = "mean-rank"
    /// The weighted mean of each member's per-pool z-score (a member constant over the pool adds 0).
    case zscore
}

/// A verifier ensemble: members scored on the same batch and combined per pool by `rule`.
public final class EnsembleVerifier: Verifier {
    public let members: [Verifier]
    public let weights: [Double]
    public let rule: EnsembleRule

    /// `weights` (one per member, positive) apply to `zscore`; `mean-rank` is unweighted.
    public init(members: [Verifier], rule: EnsembleRule, weights: [Double]? = nil) throws {
        guard !members.isEmpty else { throw VerifierError.badEnsemble("an ensemble needs at least one member") }
        let weights = weights ?? [Double](repeating: 1, count: members.count)
        guard weights.count == members.count else {
            throw VerifierError.badEnsemble("\(weights.count) weights for \(members.count) members")
        }
        guard weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.reduce(0, +) > 0 else {
            throw VerifierError.badEnsemble("weights must be non-negative, finite and not all zero (got \(weights))")
        }
        if rule == .meanRank && Set(weights).count > 1 {
            throw VerifierError.badEnsemble("mean-rank is unweighted; use zscore for weights")
        }
        self.members = members
        self.weights = weights
        self.rule = rule
    }

    public var name: String { "\(rule.rawValue)(\(members.map(\.name).joined(separator: ",")))" }
    public var needsEarlyPrediction: Bool { members.contains { $0.needsEarlyPrediction } }
    public var isPoolRelative: Bool { true }
    public var spansSlots: Bool { members.contains { $0.spansSlots } }
    public var cost: VerifierCost { members.reduce(VerifierCost()) { $0 + $1.cost } }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        let memberScores = try members.map { try $0.score(batch) }
        var combined = [Double](repeating: 0, count: batch.count)
        let total = weights.reduce(0, +)
        for pool in batch.pools {
            for (m, scores) in memberScores.enumerated() {
                let values = pool.map { scores[$0] }
                let transformed: [Double]
                switch rule {
                case .meanRank: transformed = Self.ranks(values).map { -Double($0) }
                case .zscore: transformed = Self.zscores(values)
                }
                for (offset, i) in pool.enumerated() { combined[i] += weights[m] / total * transformed[offset] }
            }
        }
        return combined
    }

    public func commit(_ batch: CandidateBatch, chosen: [Int]) throws {
        for member in members { try member.commit(batch, chosen: chosen) }
    }

    /// 1-based ranks by descending score; equal scores by position (earlier = better).
    static func ranks(_ values: [Double]) -> [Int] {
        let order = values.indices.sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Int](repeating: 0, count: values.count)
        for (r, i) in order.enumerated() { ranks[i] = r + 1 }
        return ranks
    }

    /// (v − mean) / std over the pool (ddof 0); zeros when the pool is constant.
    static func zscores(_ values: [Double]) -> [Double] {
        let stats = MeanAndDeviation(values)
        return values.map { stats.std > 0 ? ($0 - stats.mean) / stats.std : 0 }
    }
}
