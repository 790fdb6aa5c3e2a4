import SiftModels
import SiftTensor

/// The supervised verifiers (`clf-mlp`, `clf-vit`): the raw logit of the conditioning class, as
/// the paper's "highest logits corresponding to the class labels used in generation".
public final class ClassLogitVerifier: Verifier {
    public let name: String
    let pass: ClassifierPass

    public init(name: String, classifier: Classifier) {
        self.name = name
        pass = ClassifierPass(classifier)
    }

    public var cost: VerifierCost { pass.cost }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        let logits = pass.run(batch.images).logits
        let classes = logits.count / max(batch.count, 1)
        return batch.labels.enumerated().map { i, c in Double(logits[i * classes + c]) }
    }
}
