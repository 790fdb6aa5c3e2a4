import SiftTensor
import SiftWorker

/// A velocity model with classifier-free guidance and a count of every real forward pass.
///
/// `v = v∅ + w·(v_y − v∅)`; with `w = 1` only the conditional pass runs. Each call evaluates the
/// network once per sample (twice with guidance, on a doubled batch), and ``forwardPasses``
/// counts those per-sample evaluations: the NFEs of the compute ledger.
///
/// The network is one of Sift's SiTs or an external worker (``VelocitySource``). A worker that
/// fails (dies, times out, answers garbage) cannot throw through the solvers: its error is kept
/// in ``failure``, every later call returns zeros without asking it, and whoever runs a search
/// calls ``checkHealthy()`` before using its outcome (``SearchEngine`` and the experiment runner
/// do), so a failed worker never yields a result.
public final class Denoiser {
    public let source: VelocitySource
    public let guidance: Float
    /// Per-sample network evaluations so far (a batch of B with guidance adds 2B).
    public private(set) var forwardPasses = 0
    /// Largest batch sent to the network at once (bigger batches are split; results do not change).
    public var maxBatch = 512
    /// The first error of an external worker, if any (see the type's notes).
    public private(set) var failure: Error?

    /// The fused forward pass used for every evaluation of a SiT.
    let inference: SiTInference?

    public convenience init(model: SiT, guidance: Float = 1) {
        self.init(source: .sit(model), guidance: guidance)
    }

    public init(source: VelocitySource, guidance: Float = 1) {
        self.source = source
        self.guidance = guidance
        inference = source.sit.map { SiTInference(model: $0) }
    }

    /// Sift's own SiT (nil for a worker's model).
    public var model: SiT? { source.sit }

    /// One sample `[C, H, W]`.
    public var sampleShape: [Int] { source.sampleShape }

    /// Throws the error of a failed worker (see the type's notes).
    public func checkHealthy() throws {
        if let failure { throw failure }
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

    /// FLOPs of one network evaluation of one sample (nil when a worker does not know).
    public var flopsPerPass: Int? { source.forwardFLOPs }

    /// Counts the passes of a velocity call for `n` samples made outside ``velocity(_:t:labels:)``
    /// (first-order search runs the model's autograd forward itself).
    public func count(samples n: Int) { forwardPasses += n * passesPerCall }

    /// Guided velocity for `x` `[N, C, H, W]` at times `t` (one per sample) and `labels`.
    public func velocity(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let n = x.shape[0]
        precondition(t.count == n && labels.count == n, "velocity: \(n) samples, \(t.count) times, \(labels.count) labels")
        forwardPasses += n * passesPerCall
        if case .worker(let worker) = source { return workerVelocity(worker, x, t: t, labels: labels) }
        return withNoGrad {
            if guidance == 1 { return evaluate(x, t: t, labels: labels) }
            let both = evaluate(Tensor.concat([x, x], axis: 0), t: t + t,
                                labels: labels + [Int](repeating: source.nullLabel!, count: n))
            return guided(both, shape: x.shape)
        }
    }

    /// `v∅ + w·(v_y − v∅)` from the conditional and unconditional halves of `both` `[2N, …]`.
    func guided(_ both: Tensor, shape: [Int]) -> Tensor {
        let per = both.count / 2
        let w = guidance
        let values = both.data.withUnsafeBufferPointer { p in
            (0..<per).map { i -> Float in
                let cond = p[i], uncond = p[per + i]
                return uncond + w * (cond - uncond)
            }
        }
        return Tensor(values, shape: shape)
    }

    /// A worker's velocity: guided natively by the worker, or here on a doubled batch with its
    /// null class; zeros once the worker has failed (``failure``).
    func workerVelocity(_ worker: WorkerClient, _ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        guard failure == nil else { return Tensor(zeros: x.shape) }
        do {
            if guidance == 1 || source.guidesNatively {
                let v = try worker.velocity(x.data, t: t, labels: labels, guidance: source.guidesNatively ? guidance : nil)
                return Tensor(v, shape: x.shape)
            }
            guard let null = source.nullLabel else {
                throw WorkerError.unsuitable(command: worker.command, problem: "guidance \(guidance) needs a 'null_class' or 'guidance: native'")
            }
            let n = x.shape[0]
            let v = try worker.velocity(x.data + x.data, t: t + t, labels: labels + [Int](repeating: null, count: n))
            return guided(Tensor(v, shape: [2 * n] + Array(x.shape.dropFirst())), shape: x.shape)
        } catch {
            failure = error
            return Tensor(zeros: x.shape)
        }
    }

    /// The SiT on batches of at most `maxBatch` samples.
    func evaluate(_ x: Tensor, t: [Float], labels: [Int]) -> Tensor {
        let inference = inference!
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
