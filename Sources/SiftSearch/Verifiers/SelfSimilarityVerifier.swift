import SiftModels
import SiftTensor

/// `self-similarity`: the cosine similarity between a network's features of the data prediction
/// at σ = 0.4 (t = 0.6 in SiT's code convention, the nearest sampling-grid step) and of the final
/// sample. Needs no label: a sample whose early guess already looks like its final self scores high.
public final class SelfSimilarityVerifier: Verifier {
    /// The self-supervised noise level in code time (σ = 0.4 ⇔ t = 0.6 on the linear path).
    public static var time: Float { EarlyPrediction.time }

    public let name: String
    let pass: ClassifierPass

    /// `network` supplies the features (the paper uses DINO/CLIP; here the self-supervised ssl-vit
    /// by default, or a zoo classifier by name).
    public init(network: Classifier, name: String = "self-similarity") {
        self.name = name
        pass = ClassifierPass(network)
    }

    public var needsEarlyPrediction: Bool { true }
    public var cost: VerifierCost { pass.cost }

    public func score(_ batch: CandidateBatch) throws -> [Double] {
        guard let early = batch.earlyPrediction else { throw VerifierError.missingEarlyPrediction(verifier: name) }
        let b = batch.count
        // Both sets in one forward call: (2B, 1, 28, 28).
        return Self.cosines(pass.run(Tensor.concat([early, batch.images], axis: 0)).features, count: b)
    }

    /// cos(f(early_i), f(image_i)) for each i, from the features `(2B, F)` of the early predictions
    /// followed by those of the images.
    static func cosines(_ features: [Float], count b: Int) -> [Double] {
        let f = features.count / max(2 * b, 1)
        return (0..<b).map { i in
            var dot = 0.0, na = 0.0, nb = 0.0
            for j in 0..<f {
                let a = Double(features[i * f + j]), c = Double(features[(b + i) * f + j])
                dot += a * c
                na += a * a
                nb += c * c
            }
            return na > 0 && nb > 0 ? dot / (na * nb).squareRoot() : 0
        }
    }
}
