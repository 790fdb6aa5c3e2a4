import SiftTensor

/// Every candidate of a random-search pool scored by several verifiers — the data of the
/// verifier-agreement analysis (Fig. 5: self-similarity against the classifiers' logits).
public struct PoolScores {
    /// The candidates, slot-major (the pool's order).
    public let keys: [CandidateKey]
    /// Verifier names, in the order asked.
    public let verifiers: [String]
    /// `scores[v][i]`: verifier `verifiers[v]`'s score of candidate `keys[i]`.
    public let scores: [[Double]]

    /// Generates `candidates` per slot of `task` with the context's search steps (with t = 0.6
    /// predictions when a verifier needs them) and scores the whole pool with each verifier.
    /// Pool-relative verifiers (ensembles, fid-oracle) are refused: their scores mean nothing
    /// outside one pool.
    public static func compute(_ task: SearchTask, candidates: Int, verifiers: [Verifier], context: SearchContext) throws -> PoolScores {
        if let relative = verifiers.first(where: \.isPoolRelative) {
            throw SearchError.unsupported(algorithm: "pool scores", problem: "'\(relative.name)' scores only within a pool or a set; use per-sample verifiers")
        }
        let early = verifiers.contains(where: \.needsEarlyPrediction)
        let pool = RandomSearch.Pool.generate(task, nMax: candidates, earlyPrediction: early, context: context)
        let batch = CandidateBatch(images: pool.images, labels: pool.keys.map(\.classIndex), earlyPrediction: pool.early)
        let scores = try verifiers.map { try $0.score(batch) }
        return PoolScores(keys: pool.keys, verifiers: verifiers.map(\.name), scores: scores)
    }

    /// The scores as CSV: `class,sample,candidate,<verifier>…`, one candidate per line.
    public var csv: String {
        var lines = [(["class", "sample", "candidate"] + verifiers).joined(separator: ",")]
        for (i, key) in keys.enumerated() {
            lines.append(([key.classIndex, key.sample, key.candidate].map(String.init) + scores.map { "\($0[i])" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Candidate indices of each class, for within-class statistics.
    public var byClass: [Int: [Int]] { Dictionary(grouping: keys.indices, by: { keys[$0].classIndex }) }
}
