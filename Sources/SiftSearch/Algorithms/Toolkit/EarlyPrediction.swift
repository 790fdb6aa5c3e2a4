import SiftModels

/// The data prediction at the self-supervised noise level, read from a solver step that runs
/// anyway (no extra NFE): what `self-similarity` compares with the final sample.
public enum EarlyPrediction {
    /// The level in code time (σ = 0.4 ⇔ t = 0.6 on the linear path).
    public static let time: Float = 0.6

    /// The step of a full solve (noise to data) with `steps` steps of `solver` whose start is
    /// nearest ``time``: the prediction `x + (1 − t)·v` is read there.
    public static func step(steps: Int, solver: Solver) -> Int { Sampler.nearestStep(to: time, steps: steps, solver: solver) }

    /// Whether final samples must carry their predictions: the verifier needs them, or the
    /// context records them for a held-out verifier.
    public static func neededForFinals(verifier: Verifier, context: SearchContext) -> Bool {
        verifier.needsEarlyPrediction || context.recordEarlyPrediction
    }
}
