import SiftTensor

/// The keyed noises of generation. Every draw is keyed by (seed, purpose, class, sample,
/// candidate[, step]) so any candidate can be regenerated alone, whatever the batch, thread
/// count, shard or resume. Plain sampling (`sift sample`, `sift eval`) is candidate 0.
public struct GenerationNoise: Sendable {
    /// What a draw is for (the first stream index).
    public enum Purpose: UInt64, Sendable {
        /// The initial noise x(t = 0).
        case initial = 0
        /// The SDE solver's per-step noise.
        case sde = 1
        /// Re-noising forward (search over paths).
        case renoise = 2
        /// Neighbour directions (zero-order search).
        case neighbour = 3
        /// Resampling draws (sequential Monte Carlo).
        case resample = 4
        /// Tournaments and mutation noise (evolutionary search).
        case mutation = 5
        /// Which child a tree search revisits.
        case treeDraw = 6
    }

    public let seed: UInt64
    /// Values per sample (C·H·W).
    public let perSample: Int
    let rng: Philox

    public init(seed: UInt64, perSample: Int) {
        self.seed = seed
        self.perSample = perSample
        rng = Philox(seed: seed)
    }

    /// The generator of one (purpose, class, sample, candidate, extra…) key.
    public func stream(_ purpose: Purpose, classIndex: Int, sample: Int, candidate: Int, _ extra: UInt64...) -> Philox {
        var s = rng.stream(purpose.rawValue, UInt64(classIndex), UInt64(sample), UInt64(candidate))
        for e in extra { s = s.stream(e) }
        return s
    }

    /// Standard-normal initial noise of a candidate `(perSample)`.
    public func initial(classIndex: Int, sample: Int, candidate: Int = 0) -> [Float] {
        stream(.initial, classIndex: classIndex, sample: sample, candidate: candidate).normals(perSample)
    }

    /// Standard-normal SDE noise of a candidate at a solver step `(perSample)`.
    public func sde(classIndex: Int, sample: Int, candidate: Int = 0, step: Int) -> [Float] {
        stream(.sde, classIndex: classIndex, sample: sample, candidate: candidate, UInt64(step)).normals(perSample)
    }
}
