import SiftData
import SiftTensor

/// Supervised training of the classifiers: cross-entropy on batches drawn (with replacement)
/// from the train split, keyed by (seed, step).
public enum ClassifierTraining {
    /// A new classifier of the zoo `name`, or nil.
    public static func make(_ name: String, seed: UInt64) -> Classifier? {
        switch name {
        case "eval-cnn": return EvalCNN(seed: seed)
        case "clf-mlp": return MLPClassifier(seed: seed)
        case "clf-vit": return ViTClassifier(seed: seed)
        default: return nil
        }
    }

    public static let names = ["eval-cnn", "clf-mlp", "clf-vit"]

    /// The loss of training step `step`.
    public static func loss(model: Classifier, data: LabeledImages, spec: TrainingSpec, step: Int) -> Tensor {
        let b = spec.batch, per = data.height * data.width
        let rng = Philox(seed: spec.seed).stream(7, UInt64(step))
        let indices = (0..<b).map { rng.integer(below: data.count, at: $0) }
        var x = [Float](repeating: 0, count: b * per)
        for (i, index) in indices.enumerated() {
            x.replaceSubrange((i * per)..<((i + 1) * per), with: data.pixels[(index * per)..<((index + 1) * per)])
        }
        return model.loss(Tensor(x, shape: [b, 1, data.height, data.width]), labels: indices.map { data.labels[$0] })
    }
}
