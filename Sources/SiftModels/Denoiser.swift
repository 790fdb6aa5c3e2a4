import SiftTensor

/// A velocity model with classifier-free guidance and a count of every real forward pass.
///
/// `v = v∅ + w·(v_y − v∅)`; with `w = 1` only the conditional pass runs. Each call evaluates the
/// network once per sample (twice with guidance, on a doubled batch), and ``forwardPasses``
/// counts those per-sample evaluations: the NFEs of the compute ledger.
public final class Denoiser {
    public let model: SiT
    public let guidance: Float
    /// Per-sample network evaluations so far (a batch of B with guidance adds 2B).
    public private(set) var forwardPasses = 0
    /// Largest batch sent to the network at once (bigger batches are split; results do not change).
    public var maxBatch = 512

    /// The fused forward pass used for every evaluation.
    let inference: SiTInference

    public init(model: SiT, guidance: Float = 1) {
        self.model = model
        self.guidance = guidance
        inference = SiTInference(model: model)
    }

    /// Guidance scales Sift accepts: finite, from 0 (unconditional) to 100. Larger scales only
    /// overflow the 32-bit velocities into NaN samples.
    public static let guidanceRange: ClosedRange<Double> = 0...100

    /// Why `scale` cannot be a guidance scale (nil when it can).
    public static func guidanceProblem(_ scale: Double) -> String? {
        guard scale.isFinite, guidanceRange.contains(scale) else {
            return "a guidance scale must be a finite number in [\(Int(guidanceRange.lowerBound)), \(Int(guidanceRange.upperBound))], got \(scale)"
        }
        return nil
    }

    /// Network evaluations per sample per velocity call.
    public var passesPerCall: Int { guidance == 1 ? 1 : 2 }

    /// FLOPs of one velocity call for one sample.
    public var flopsPerCall: Int { passesPerCall * model.config.forwardFLOPs }

    /// Counts the passes of a velocity call for `n` samples made outside ``velocity(_:t:labels:)``
    /// (first-order search runs the model's autograd forward itself).
    public func count(samples n: Int) { forwardPasses += n * passesPerCall }

    /// Guided velocity for `x` `[N, C, H, W]` at times `t` (one per sample) and `labels`.
    public func velocity(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let n = x.shape[0]
        precondition(t.count == n && labels.count == n, "velocity: \(n) samples, \(t.count) times, \(labels.count) labels")
        forwardPasses += n * passesPerCall
        return withNoGrad {
            if guidance == 1 { return evaluate(x, t: t, labels: labels) }
            let both = evaluate(Tensor.concat([x, x], axis: 0), t: t + t,
                                labels: labels + [Int](repeating: model.nullLabel, count: n))
            let per = x.count
            let w = guidance
            let values = both.data.withUnsafeBufferPointer { p in
                (0..<per).map { i -> Float in
                    let cond = p[i], uncond = p[per + i]
                    return uncond + w * (cond - uncond)
                }
            }
            return Tensor(values, shape: x.shape)
        }
    }

    /// The network on batches of at most `maxBatch` samples.
    func evaluate(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let n = x.shape[0]
        if n <= maxBatch { return inference(x, t: t, labels: labels) }
        let parts = stride(from: 0, to: n, by: maxBatch).map { lo -> Tensor in
            let hi = min(n, lo + maxBatch)
            return inference(x.slice(axis: 0, lo..<hi), t: Array(t[lo..<hi]), labels: Array(labels[lo..<hi]))
        }
        return Tensor.concat(parts, axis: 0)
    }

    /// Data prediction x̂1 = x_t + (1 − t)·v.
    public func dataPrediction(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let v = velocity(x, t: t, labels: labels)
        let per = x.count / max(x.shape[0], 1)
        return Tensor(FlowMatching.dataPrediction(x: x.data, velocity: v.data, t: t, perSample: per), shape: x.shape)
    }
}
