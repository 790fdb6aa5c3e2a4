import SiftTensor

/// An initial noise a search generated and scored, with its key.
struct ScoredNoise {
    var noise: [Float]
    var score: Double
    var key: CandidateKey
}

/// The winners of a search over initial noises after some budget of a sweep (zero-order after an
/// iteration count, evolution after a generation count), and what they had cost by then.
struct NoiseSearchSnapshot {
    var winners: [ScoredNoise]
    /// The winners' search generations `(S, C, H, W)` and their t = 0.6 predictions.
    var images: Tensor
    var early: Tensor?
    /// Candidates generated with the search steps so far.
    var generated: Int
    var verifier: VerifierCost
    var seconds: Double
    var trace: [Double]
    var wantsEarly: Bool
    /// Backward passes through the denoiser so far (first-order search).
    var backwardPasses = 0
}

extension SearchAlgorithm {
    /// The outcome at `budget` from its snapshot: the winners re-generated with the final steps
    /// unless the step counts are equal (then a winner's search generation is its final sample, and
    /// is charged as final, not search); the no-search budget charges no search.
    func finalOutcome(_ snap: NoiseSearchSnapshot, budget: Int, task: SearchTask, context: SearchContext) -> SearchOutcome {
        let s = task.count
        var p = parameters
        p.budget = budget
        var ledger = Ledger(samples: s)
        ledger.chargeSearch(candidates: p.isNoSearch ? 0 : snap.generated - (context.reusesWinners ? s : 0), context: context)
        ledger.addVerifier(snap.verifier)
        ledger.backwardPasses = snap.backwardPasses
        ledger.chargeFinal(samples: s, context: context)
        ledger.seconds = snap.seconds
        var images = snap.images, early = snap.early
        if !context.reusesWinners {
            let final = context.regenerate(snap.winners.map(\.key), initial: snap.winners.map(\.noise), earlyPrediction: snap.wantsEarly)
            (images, early) = (final.images, final.early)
            ledger.seconds += final.seconds
        }
        let chosen = snap.winners.map { ChosenSample(key: $0.key, searchScore: $0.score.isFinite ? $0.score : nil) }
        return outcome(budget: budget, images: images, early: early, chosen: chosen, trace: Array(snap.trace.prefix(budget)), ledger: ledger)
    }
}
