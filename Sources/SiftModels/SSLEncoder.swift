import SiftNN
import SiftTensor

/// `ssl-vit`, the self-supervised feature network of `self-similarity`: clf-vit's architecture
/// trained without labels (SimCLR: two random views of each image pulled together against the
/// rest of the batch by the NT-Xent loss on a projection head, ``SSLTraining``). Labels enter
/// only afterwards, in the linear probe fitted on the frozen features, which serves as the
/// classifier head (``logits(_:)`` reads the probe; the card reports its test accuracy).
public final class SSLEncoder: Classifier {
    public let name = "ssl-vit"
    /// The feature network; its `head` holds the linear probe.
    let backbone: ViTClassifier
    /// The projection head g(h) = fc2(GELU(fc1(h))) the contrastive loss reads (not the features).
    let projector1: Linear, projector2: Linear

    public init(width: Int = 64, projection: Int = 128, seed: UInt64 = 0) {
        backbone = ViTClassifier(name: "ssl-vit", width: width, seed: seed)
        let rng = Philox(seed: seed, stream: 0x551)
        projector1 = Linear("projector.fc1", inFeatures: width, outFeatures: 4 * width, rng: rng.stream(1))
        projector2 = Linear("projector.fc2", inFeatures: 4 * width, outFeatures: projection, rng: rng.stream(2))
    }

    public var featureDimension: Int { backbone.featureDimension }
    public var forwardFLOPs: Int { backbone.forwardFLOPs }
    public var namedParameters: [(name: String, tensor: Tensor)] {
        backbone.namedParameters + projector1.namedParameters + projector2.namedParameters
    }

    /// Features `(N, D)` (mean-pooled, normalised tokens) and the linear probe's logits `(N, 10)`.
    public func forward(_ x: Tensor) -> (features: Tensor, logits: Tensor) { backbone.forward(x) }

    /// Projections `(N, P)` of features `(N, D)`: what the contrastive loss compares.
    public func projection(_ features: Tensor) -> Tensor { projector2(projector1(features).gelu()) }

    /// The linear head over the features: the probe to fit after self-supervised training.
    public var probe: Linear { backbone.head }
}
