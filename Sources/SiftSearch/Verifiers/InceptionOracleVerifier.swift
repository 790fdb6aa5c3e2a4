import Foundation
import SiftModels
import SiftTensor

/// `is-oracle`: the evaluation network's probability of the conditioning class, i.e. the
/// paper's IS oracle with eval-cnn in place of Inception.
public final class InceptionOracleVerifier: Verifier {
    public let name = "is-oracle"
    let pass: ClassifierPass

    public init(evaluationNetwork: Classifier) { pass = ClassifierPass(evaluationNetwork) }

    public var cost: VerifierCost { pass.cost }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        let logits = pass.run(batch.images).logits
        let classes = logits.count / max(batch.count, 1)
        return batch.labels.enumerated().map { i, c in
            let row = logits[(i * classes)..<((i + 1) * classes)].map(Double.init)
            let top = row.max()!
            let total = row.reduce(0) { $0 + exp($1 - top) }
            return exp(row[c] - top) / total
        }
    }
}
