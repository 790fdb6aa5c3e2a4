import SiftModels
import SiftTensor

/// A verifier whose score the autograd can differentiate with respect to the images (and the early
/// predictions): what first-order search (`gradient`) ascends. Its scores on the graph equal
/// ``Verifier/score(_:)`` up to Float rounding, and computing them counts the verifier's passes in
/// ``Verifier/cost`` as scoring does.
public protocol DifferentiableVerifier: Verifier {
    /// Scores `(B)` of `images (B, C, H, W)` for conditioning `labels` on the current autograd graph
    /// (under `withNoGrad` they are plain values); `early (B, C, H, W)` are the data predictions
    /// at σ = 0.4 where ``Verifier/needsEarlyPrediction``, else nil.
    func differentiableScores(images: Tensor, early: Tensor?, labels: [Int]) throws -> Tensor
    /// The network the scores read (its weights stay frozen while a search differentiates).
    var network: Classifier { get }
}

extension ClassLogitVerifier: DifferentiableVerifier {
    public var network: Classifier { pass.network }

    /// The logit of each image's class: `Σ_c logits[b, c]·[c = label_b]`.
    public func differentiableScores(images: Tensor, early: Tensor?, labels: [Int]) throws -> Tensor {
        let logits = pass.forwardOnGraph(images).logits          // (B, K)
        let classes = logits.shape[1]
        var oneHot = [Float](repeating: 0, count: logits.count)
        for (row, label) in labels.enumerated() { oneHot[row * classes + label] = 1 }
        return (logits * Tensor(oneHot, shape: logits.shape)).sum(axes: [1])
    }
}

extension SelfSimilarityVerifier: DifferentiableVerifier {
    public var network: Classifier { pass.network }

    /// cos(f(early), f(image)) = ⟨a, b⟩ / √(‖a‖²·‖b‖²), both feature sets in one forward call.
    public func differentiableScores(images: Tensor, early: Tensor?, labels: [Int]) throws -> Tensor {
        guard let early else { throw VerifierError.missingEarlyPrediction(verifier: name) }
        let b = images.shape[0]
        let features = pass.forwardOnGraph(Tensor.concat([early, images], axis: 0)).features  // (2B, F)
        let a = features.slice(axis: 0, 0..<b), c = features.slice(axis: 0, b..<(2 * b))   // (B, F) each
        let dot = (a * c).sum(axes: [1])                                                     // (B)
        let norms = (a.squared().sum(axes: [1]) * c.squared().sum(axes: [1]) + Self.normFloor).sqrt()
        return dot / norms
    }

    /// Keeps the cosine's denominator (and its gradient) finite for an all-zero feature vector.
    static let normFloor: Float = 1e-12
}
