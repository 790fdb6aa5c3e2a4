import SiftModels
import SiftTensor

/// Batched solves of trajectory segments with keyed noise: every candidate's SDE draws are keyed
/// (seed, class, sample, candidate, step), and a segment's steps are numbered from `firstStep`, so
/// an algorithm that solves a trajectory in several segments (resampling or branching between
/// them) never draws the same step noise twice.
public struct SegmentSolver {
    public let denoiser: Denoiser
    public let solver: Solver
    public let noise: GenerationNoise
    /// Candidates per solver call.
    public var batchSize: Int
    /// Called after each batch with the number of candidates it solved.
    public var onSolved: ((Int) -> Void)?

    public init(denoiser: Denoiser, solver: Solver, noise: GenerationNoise, batchSize: Int) {
        self.denoiser = denoiser
        self.solver = solver
        self.noise = noise
        self.batchSize = batchSize
    }

    /// One batch: `x (B, C, H, W)` of `keys` at time `t0` solved to `t1` in `steps` steps; with
    /// `earlyStep`, also the data prediction `x + (1 − t)·v` read at that step (the final state when
    /// the segment has no such step).
    public func solveBatch(_ x: Tensor, keys: [CandidateKey], from t0: Float, to t1: Float, steps: Int, firstStep: Int = 0,
                           earlyStep: Int? = nil) -> (state: Tensor, early: Tensor?) {
        precondition(keys.count == x.shape[0], "solveBatch: \(keys.count) keys for \(x.shape[0]) states")
        var early: Tensor?
        let sdeNoise = { (step: Int) -> [Float] in
            keys.flatMap { self.noise.sde(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate, step: firstStep + step) }
        }
        let observe: ((Int, Float, Tensor, Tensor) -> Void)? = earlyStep.map { wanted in
            { step, t, xs, v in
                if step == wanted { early = Tensor(zip(xs.data, v.data).map { $0 + (1 - t) * $1 }, shape: xs.shape) }
            }
        }
        let out = Sampler.solve(x, labels: keys.map(\.classIndex), from: t0, to: t1, steps: steps, solver: solver, denoiser: denoiser,
                                noise: sdeNoise, observe: observe)
        onSolved?(keys.count)
        return (out, earlyStep == nil ? nil : (early ?? out))
    }

    /// ``solveBatch(_:keys:from:to:steps:firstStep:earlyStep:)`` over all of `x (N, C, H, W)` in
    /// batches of ``batchSize``.
    public func solve(_ x: Tensor, keys: [CandidateKey], from t0: Float, to t1: Float, steps: Int, firstStep: Int = 0) -> Tensor {
        let labels = keys.map(\.classIndex)
        var offset = 0
        return Batches.map(x, labels: labels, size: batchSize) { part, _ in
            let range = offset..<(offset + part.shape[0])
            offset = range.upperBound
            return solveBatch(part, keys: Array(keys[range]), from: t0, to: t1, steps: steps, firstStep: firstStep).state
        }
    }

    /// Data predictions `x + (1 − t)·v` of `x (N, C, H, W)` at time `t`, one velocity call each, in batches.
    public func predict(_ x: Tensor, labels: [Int], t: Float) -> Tensor {
        Batches.map(x, labels: labels, size: batchSize) { part, partLabels in
            denoiser.dataPrediction(part, t: [Float](repeating: t, count: partLabels.count), labels: partLabels)
        }
    }
}
