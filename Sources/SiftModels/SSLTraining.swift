import SiftData
import SiftNN
import SiftTensor

/// Self-supervised training of ``SSLEncoder`` (SimCLR, Chen et al. 2020) — no labels: each step
/// draws a batch of train images (with replacement, keyed by (seed, step)), makes two random views
/// of each (``ViewAugmentation``) and minimises the NT-Xent loss of their projections. The linear
/// probe that reports the features' quality is fitted afterwards on the frozen features.
public enum SSLTraining {
    /// Zoo names trained here.
    public static let names = ["ssl-vit"]

    /// A new encoder of the zoo `name`, or nil.
    public static func make(_ name: String, seed: UInt64) -> SSLEncoder? {
        name == "ssl-vit" ? SSLEncoder(seed: seed) : nil
    }

    /// NT-Xent temperature τ (SimCLR's small-batch setting).
    public static let temperature: Float = 0.2
    public static let augmentation = ViewAugmentation()

    /// The two views `(2B, 1, H, W)` of step `step`'s batch: rows i and i + B show the same image.
    public static func views(data: LabeledImages, spec: TrainingSpec, step: Int) -> Tensor {
        let b = spec.batch, side = data.width, per = data.height * data.width
        precondition(data.height == data.width, "views: square images only")
        let rng = Philox(seed: spec.seed).stream(7, UInt64(step))
        let indices = (0..<b).map { rng.integer(below: data.count, at: $0) }
        var x = [Float]()
        x.reserveCapacity(2 * b * per)
        for view in 0..<2 {
            for (i, index) in indices.enumerated() {
                let draw = Philox(seed: spec.seed).stream(8, UInt64(step), UInt64(view), UInt64(i))
                x += augmentation.view(of: data.pixels[(index * per)..<((index + 1) * per)], side: side, rng: draw)
            }
        }
        return Tensor(x, shape: [2 * b, 1, data.height, data.width])
    }

    /// The loss of training step `step` (no labels are read).
    public static func loss(model: SSLEncoder, data: LabeledImages, spec: TrainingSpec, step: Int) -> Tensor {
        let x = views(data: data, spec: spec, step: step)
        return contrastiveLoss(model.projection(model.forward(x).features), temperature: temperature)
    }

    /// NT-Xent of projections `z (2B, P)` whose rows i and i + B are positives: the mean over rows
    /// of the cross-entropy of cos(zᵢ, zⱼ)/τ over j ≠ i, the target being the row's partner.
    public static func contrastiveLoss(_ z: Tensor, temperature: Float) -> Tensor {
        let n = z.shape[0], b = n / 2
        precondition(z.rank == 2 && n == 2 * b && b > 0, "contrastiveLoss: needs (2B, P) projections, got \(z.shape)")
        let unit = z / (z.squared().sum(axes: [1], keepDims: true) + 1e-12).sqrt()      // (2B, P), rows of norm 1
        let similarity = Tensor.matmul(unit, unit, transposeB: true) * (1 / temperature)  // (2B, 2B)
        var selfMask = [Float](repeating: 0, count: n * n)
        for i in 0..<n { selfMask[i * n + i] = -1e9 }                                     // a row is not its own candidate
        let partners = (0..<n).map { $0 < b ? $0 + b : $0 - b }
        return Tensor.crossEntropy(similarity + Tensor(selfMask, shape: [n, n]), labels: partners)
    }

    /// Fits `model.probe` (a linear layer on the frozen features) to the `train` labels by AdamW
    /// on shuffled mini-batches, and returns its accuracy on `test`. The only use of labels.
    public static func fitLinearProbe(model: SSLEncoder, train: LabeledImages, test: LabeledImages, epochs: Int = 30,
                                      batch: Int = 500, seed: UInt64 = 0) -> Double {
        let d = model.featureDimension
        let features = withNoGrad { frozenFeatures(model, train) }   // (N, D) row-major
        let probe = model.probe
        let optimizer = AdamW(parameters: [probe.weight] + (probe.bias.map { [$0] } ?? []), learningRate: 1e-2, weightDecay: 1e-4)
        let n = train.count
        for epoch in 0..<epochs {
            let order = Philox(seed: seed).stream(9, UInt64(epoch)).permutation(n)
            for lo in stride(from: 0, to: n, by: batch) {
                let rows = Array(order[lo..<min(n, lo + batch)])
                var x = [Float]()
                x.reserveCapacity(rows.count * d)
                for r in rows { x += features[(r * d)..<((r + 1) * d)] }
                optimizer.zeroGrad()
                Tensor.crossEntropy(probe(Tensor(x, shape: [rows.count, d])), labels: rows.map { train.labels[$0] }).backward()
                optimizer.step()
            }
        }
        return model.accuracy(pixels: test.pixels, labels: test.labels)
    }

    /// Features `(N·D)` of every image of `set`, in chunks.
    static func frozenFeatures(_ model: SSLEncoder, _ set: LabeledImages, chunk: Int = 500) -> [Float] {
        let per = set.height * set.width
        var out = [Float]()
        out.reserveCapacity(set.count * model.featureDimension)
        for lo in stride(from: 0, to: set.count, by: chunk) {
            let hi = min(set.count, lo + chunk)
            out += model.forward(Tensor(Array(set.pixels[(lo * per)..<(hi * per)]), shape: [hi - lo, 1, set.height, set.width])).features.data
        }
        return out
    }
}
