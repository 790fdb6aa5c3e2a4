import Foundation
import SiftTensor
import SiftUtilities

/// Inception Score on eval-cnn logits: per split s, `exp(mean_i KL(p(y|x_i) ‖ p_s(y)))` with
/// `p_s = mean_i p(y|x_i)`; the mean and standard deviation (ddof 0) over splits. Splits are
/// contiguous row ranges `[s·N/S, (s+1)·N/S)` (no shuffle, as TTUR's reference) of the rows as
/// given — rows ordered by class must be shuffled first (``shuffled(_:seed:)``), or each split
/// sees one class and the score collapses towards 1. Probabilities come from a log-softmax in Double.
public enum InceptionScore {
    public struct Result: Sendable, Equatable, Codable {
        public let mean: Double
        public let std: Double
        public let splitScores: [Double]
    }

    public static func compute(logits: FeatureMatrix, splits: Int = 10, name: String = "logits") throws(MetricsError) -> Result {
        try logits.validate(name)
        guard splits >= 1 else { throw .badParameter(name: "splits", value: "\(splits)", expected: "a positive integer") }
        guard logits.rows >= splits else {
            throw .tooFew(what: name, rows: logits.rows, needed: splits, purpose: "an Inception Score with \(splits) splits")
        }
        let n = logits.rows, c = logits.columns
        let logP = logProbabilities(logits)
        var scores = [Double]()
        for s in 0..<splits {
            let lo = s * n / splits, hi = (s + 1) * n / splits
            var marginal = [Double](repeating: 0, count: c)
            for i in lo..<hi { for j in 0..<c { marginal[j] += exp(logP[i * c + j]) } }
            let logMarginal = marginal.map { log($0 / Double(hi - lo)) }
            var kl = 0.0
            for i in lo..<hi {
                for j in 0..<c {
                    let lp = logP[i * c + j]
                    let p = exp(lp)
                    if p > 0 { kl += p * (lp - logMarginal[j]) }
                }
            }
            scores.append(exp(kl / Double(hi - lo)))
        }
        let stats = MeanAndDeviation(scores)
        return Result(mean: stats.mean, std: stats.std, splitScores: scores)
    }

    /// log p(y|x_i) of every row `(N, C)`: a log-softmax in Double.
    public static func logProbabilities(_ logits: FeatureMatrix) -> [Double] {
        let n = logits.rows, c = logits.columns
        var logP = [Double](repeating: 0, count: n * c)
        for i in 0..<n {
            let row = logits.values[(i * c)..<((i + 1) * c)]
            let top = row.max()!
            let logSum = log(row.reduce(0) { $0 + exp($1 - top) }) + top
            for j in 0..<c { logP[i * c + j] = row[row.startIndex + j] - logSum }
        }
        return logP
    }

    /// The rows of `logits` in a keyed random order (a Philox permutation of `seed`).
    public static func shuffled(_ logits: FeatureMatrix, seed: UInt64) -> FeatureMatrix {
        logits.selecting(rows: KernelInceptionDistance.sampleWithoutReplacement(logits.rows, of: logits.rows,
                                                                                  rng: Philox(seed: seed, stream: 0x15)))
    }
}
