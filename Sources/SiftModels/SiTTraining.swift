import SiftData
import SiftTensor

/// The flow-matching objective of SiT (reference C2): per sample t ~ U(0, 1), x0 ~ N(0, I),
/// x_t = t·x1 + (1 − t)·x0, target x1 − x0, labels dropped to the null class with probability
/// `labelDropout`; loss = mean squared error over all values.
public enum SiTTraining {
    /// Randomness purposes (Philox streams), so every draw is keyed by (seed, purpose, step).
    enum Stream: UInt64 { case batchIndex = 1, noise, time, labelDrop }

    /// The loss of training step `step` (a recorded graph through `model`).
    public static func loss(model: SiT, data: LabeledImages, spec: TrainingSpec, step: Int) -> Tensor {
        let b = spec.batch, per = data.height * data.width
        let rng = Philox(seed: spec.seed)
        func stream(_ s: Stream) -> Philox { rng.stream(s.rawValue, UInt64(step)) }
        let indices = (0..<b).map { stream(.batchIndex).integer(below: data.count, at: $0) }
        var x1 = [Float](repeating: 0, count: b * per)
        for (i, index) in indices.enumerated() {
            x1.replaceSubrange((i * per)..<((i + 1) * per), with: data.pixels[(index * per)..<((index + 1) * per)])
        }
        let x0 = stream(.noise).normals(b * per)
        let t = stream(.time).uniforms(b)
        let drops = stream(.labelDrop).uniforms(b)
        let labels = indices.enumerated().map { drops[$0.offset] < spec.labelDropout ? model.nullLabel : data.labels[$0.element] }
        let xt = Tensor(FlowMatching.interpolate(data: x1, noise: x0, t: t, perSample: per), shape: [b, 1, data.height, data.width])
        let target = Tensor(FlowMatching.velocityTarget(data: x1, noise: x0), shape: xt.shape)
        return Tensor.mse(model(xt, t: t, labels: labels), target)
    }
}
