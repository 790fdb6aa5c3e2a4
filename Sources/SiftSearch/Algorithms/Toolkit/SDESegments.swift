import SiftModels
import SiftTensor

/// An SDE trajectory of `steps` steps from noise to data, solved in segments between step
/// boundaries (for algorithms that resample or branch between them: smc, beam). Boundary b is the
/// end of stochastic step b on the grid of one full solve; a segment's SDE draws are keyed by the
/// global step index, so segment by segment a trajectory gets the noise of one full solve.
public struct SDESegments {
    public let solver: SegmentSolver
    /// SDE steps of the whole trajectory (the last one is the drift-only step to data).
    public let steps: Int

    public init(solver: SegmentSolver, steps: Int) {
        self.solver = solver
        self.steps = steps
    }

    /// Code time at the end of stochastic step `step` (0 = noise).
    public func time(afterStep step: Int) -> Float {
        let stochastic = steps - 1
        return stochastic > 0 ? Float(step) * (1 - Sampler.sdeLastStep) / Float(stochastic) : 0
    }

    /// Solves `x (N, C, H, W)` of `keys` from boundary `from` to boundary `to` (`to == steps`: to
    /// data) in batches; with `predictAtEnd`, also the data prediction x + (1 − t)·v read from the
    /// segment's last step (no extra network call).
    public func solve(_ x: Tensor, keys: [CandidateKey], from: Int, to: Int, predictAtEnd: Bool) -> (state: Tensor, prediction: Tensor?) {
        let t0 = time(afterStep: from), t1: Float = to >= steps ? 1 : time(afterStep: to)
        let count = to >= steps ? steps - from : to - from
        var states = [Tensor](), predictions = [Tensor]()
        for range in Batches.ranges(count: keys.count, size: solver.batchSize) {
            let out = solver.solveBatch(x.slice(axis: 0, range), keys: Array(keys[range]), from: t0, to: t1, steps: count, firstStep: from,
                                        earlyStep: predictAtEnd ? count - 1 : nil)
            states.append(out.state)
            if let early = out.early { predictions.append(early) }
        }
        return (Tensor.concat(states, axis: 0), predictAtEnd ? Tensor.concat(predictions, axis: 0) : nil)
    }
}
