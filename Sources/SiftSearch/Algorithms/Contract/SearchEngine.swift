import SiftTensor

public enum SearchEngine {
    /// Runs `algorithm` on `task`: one outcome per budget, each with the final samples, the
    /// chosen keys and scores, the trace and the ledger. Final samples are also scored by a fresh
    /// verifier (not charged to the ledger) when the verifier's scores are absolute.
    public static func run<A: SearchAlgorithm>(_ algorithm: A, task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        var outcomes = try algorithm.run(task, context: context)
        try context.denoiser.checkHealthy()
        try scoreFinalSamples(&outcomes, task: task, context: context)
        return outcomes
    }

    /// Scores each outcome's final samples with a fresh verifier (not charged to the ledger),
    /// unless the verifier's scores are pool-relative.
    public static func scoreFinalSamples(_ outcomes: inout [SearchOutcome], task: SearchTask, context: SearchContext) throws {
        let reporter = try context.makeVerifier()
        guard !reporter.isPoolRelative else { return }
        let labels = task.slots.map(\.classIndex)
        for i in outcomes.indices where outcomes[i].finalScores == nil {
            if reporter.needsEarlyPrediction && outcomes[i].early == nil { continue }
            outcomes[i].finalScores = try reporter.score(CandidateBatch(images: outcomes[i].images, labels: labels, earlyPrediction: outcomes[i].early))
        }
    }

    /// The mean score of an outcome's final samples under each of `verifiers` — verifiers the
    /// search did not use (held out), as evaluation metrics; not charged to the ledger. Each
    /// must score candidates on their own (not pool-relative); a verifier that needs t = 0.6
    /// predictions needs ``SearchOutcome/early`` (``SearchContext/recordEarlyPrediction``).
    public static func heldOutScores(_ outcome: SearchOutcome, task: SearchTask, verifiers: [Verifier]) throws -> [String: Double] {
        try heldOutSlotScores(outcome, task: task, verifiers: verifiers).mapValues(mean)
    }

    /// Each held-out verifier's score of every final sample, in slot order (see ``heldOutScores(_:task:verifiers:)``).
    public static func heldOutSlotScores(_ outcome: SearchOutcome, task: SearchTask, verifiers: [Verifier]) throws -> [String: [Double]] {
        let labels = task.slots.map(\.classIndex)
        var scores = [String: [Double]]()
        for verifier in verifiers {
            guard !verifier.isPoolRelative else {
                throw SearchError.unsupported(algorithm: outcome.algorithm, problem: "held-out verifier '\(verifier.name)' scores only within a pool or a set; use a per-sample verifier")
            }
            if verifier.needsEarlyPrediction && outcome.early == nil {
                throw SearchError.unsupported(algorithm: outcome.algorithm, problem: "held-out verifier '\(verifier.name)' needs the final samples' t = 0.6 predictions, which were not recorded")
            }
            scores[verifier.name] = try verifier.score(CandidateBatch(images: outcome.images, labels: labels,
                                                                      earlyPrediction: verifier.needsEarlyPrediction ? outcome.early : nil))
        }
        return scores
    }
}
