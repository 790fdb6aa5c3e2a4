import SiftModels
import SiftTensor

/// `random` (best-of-N): each slot draws N candidate noises keyed (seed, class, sample,
/// candidate), generates them with `searchSteps`, keeps the best-scoring one and re-generates it
/// with `finalSteps` (reusing it when the step counts are equal).
///
/// One pool of the largest N serves every N of `candidates`: best-of-N reads the first N
/// candidates of each pool, so a sweep costs one run of the largest N. Each N's ledger reports
/// what that N alone would cost; wall seconds are the measured time of the shared phases
/// apportioned by candidates.
public struct RandomSearch {
    /// Budgets: the numbers of candidates per slot.
    public let candidates: [Int]

    public init(candidates: [Int]) throws {
        guard !candidates.isEmpty, candidates.allSatisfy({ $0 >= 1 }) else {
            throw SearchError.badParameter(algorithm: "random", name: "candidates", value: "\(candidates)", expected: "a non-empty list of positive integers")
        }
        self.candidates = Array(Set(candidates)).sorted()
    }

    /// Every slot's first `nMax` candidates generated with `searchSteps` in large batches
    /// (slot-major), optionally with their t = 0.6 data predictions. One pool can serve several
    /// runs: any budget up to `nMax` and any verifier (the candidates do not depend on it).
    public struct Pool {
        public let keys: [CandidateKey]
        public let images: Tensor
        public let early: Tensor?
        public let nMax: Int
        public let seconds: Double

        public static func generate(_ task: SearchTask, nMax: Int, earlyPrediction: Bool, context: SearchContext) -> Pool {
            let keys = task.slots.flatMap { slot in (0..<nMax).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
            let ((images, early), seconds) = context.timed {
                context.generator(steps: context.settings.searchSteps).generate(keys, earlyPrediction: earlyPrediction)
            }
            return Pool(keys: keys, images: images, early: early, nMax: nMax, seconds: seconds)
        }

        /// Whether a pool must carry t = 0.6 predictions: to score with (the verifier needs them),
        /// or, with equal search and final steps, to hand on with the final samples when the
        /// context records them.
        public static func needsEarlyPrediction(verifierNeedsIt: Bool, context: SearchContext) -> Bool {
            verifierNeedsIt || (context.settings.searchSteps == context.settings.finalSteps && context.recordEarlyPrediction)
        }

        /// The same candidates as a pool of `n ≤ nMax` per slot (rows of each slot's prefix).
        func prefix(_ n: Int, slots: Int) -> Pool {
            guard n < nMax else { return self }
            let rows = (0..<slots).flatMap { s in (s * nMax)..<(s * nMax + n) }
            return Pool(keys: rows.map { keys[$0] }, images: images.rows(rows), early: early?.rows(rows), nMax: n,
                        seconds: seconds * Double(n) / Double(nMax))
        }
    }

    /// One outcome per N, in ascending N. `pool` (from an earlier run with the same task and
    /// settings, at least the largest N per slot) saves generating the candidates again.
    public func run(_ task: SearchTask, context: SearchContext, pool shared: Pool? = nil) throws -> [SearchOutcome] {
        let settings = context.settings
        let slots = task.slots
        let s = slots.count
        let nMax = candidates.max()!
        let reuse = settings.searchSteps == settings.finalSteps
        let searchPasses = context.passes(steps: settings.searchSteps), finalPasses = context.passes(steps: settings.finalSteps)

        // 1. The pool: every slot's nMax candidates, generated in large batches (slot-major).
        let verifier = try context.makeVerifier()
        let needsPool = nMax > 1 || reuse
        let poolEarly = Pool.needsEarlyPrediction(verifierNeedsIt: verifier.needsEarlyPrediction, context: context)
        let finalEarly = verifier.needsEarlyPrediction || context.recordEarlyPrediction
        // A shared pool is used only if it holds these slots' keys (slot-major), enough candidates
        // and, when needed, the t = 0.6 predictions; otherwise the pool is generated here.
        let fits = { (p: Pool) -> Bool in
            p.nMax >= nMax && (p.early != nil || !poolEarly) && p.keys.count == s * p.nMax
                && slots.indices.allSatisfy { i in
                    let k = p.keys[i * p.nMax]
                    return k.classIndex == slots[i].classIndex && k.sample == slots[i].sample && k.candidate == 0
                }
        }
        let given = shared.flatMap { fits($0) ? $0.prefix(nMax, slots: s) : nil }
        let generated = given ?? (needsPool ? Pool.generate(task, nMax: nMax, earlyPrediction: poolEarly, context: context) : nil)
        let poolKeys = generated?.keys ?? slots
        let pool = generated?.images ?? Tensor(zeros: [0])
        let early = verifier.needsEarlyPrediction ? generated?.early : nil
        let poolSeconds = generated?.seconds ?? 0
        let pools = (0..<s).map { ($0 * nMax)..<(($0 + 1) * nMax) }

        // 2. Scores. Per-candidate verifiers score the whole pool once; pool-relative ones score
        // each budget's own prefix pools with a fresh verifier.
        var shared: (scores: [Double], cost: VerifierCost, seconds: Double)?
        if !verifier.isPoolRelative && nMax > 1 {
            let (scores, seconds) = try context.timed {
                try verifier.score(CandidateBatch(images: pool, labels: poolKeys.map(\.classIndex), earlyPrediction: early, pools: pools))
            }
            shared = (scores, verifier.cost, seconds)
        }

        struct Choice { var winners: [Int]; var scores: [Double]; var trace: [Double]; var ledger: Ledger }
        var choices = [Int: Choice]()
        for n in candidates {
            var ledger = Ledger(samples: s)
            guard n > 1 else {
                if reuse { ledger.seconds += poolSeconds / Double(nMax) }
                choices[n] = Choice(winners: pools.map(\.lowerBound), scores: [], trace: [], ledger: ledger)
                continue
            }
            let prefix = pools.map { $0.lowerBound..<($0.lowerBound + n) }
            var scores = [Double](repeating: 0, count: s * nMax)
            if let shared {
                scores = shared.scores
                let perCandidate = Double(n) / Double(nMax)
                ledger.addVerifier(VerifierCost(forwardPasses: shared.cost.forwardPasses / nMax * n, flops: shared.cost.flops * perCandidate))
                ledger.seconds += shared.seconds * perCandidate
            } else {
                let own = try context.makeVerifier()
                let indices = prefix.flatMap { Array($0) }
                let batch = CandidateBatch(images: pool.rows(indices), labels: indices.map { poolKeys[$0].classIndex },
                                           earlyPrediction: early?.rows(indices),
                                           pools: (0..<s).map { ($0 * n)..<(($0 + 1) * n) })
                let (local, seconds) = try context.timed { try own.score(batch) }
                for (j, i) in indices.enumerated() { scores[i] = local[j] }
                try own.commit(batch, chosen: Selection.best(local, pools: batch.pools))
                ledger.addVerifier(own.cost)
                ledger.seconds += seconds
            }
            let winners = Selection.best(scores, pools: prefix)
            // Best so far after each candidate (meaningful for per-candidate scores).
            let trace = verifier.isPoolRelative ? [mean(winners.map { scores[$0] })]
                : (1...n).map { k in mean(pools.map { p in (p.lowerBound..<(p.lowerBound + k)).map { scores[$0] }.max()! }) }
            ledger.addSearch(passes: s * (reuse ? n - 1 : n) * searchPasses, flopsPerPass: context.flopsPerPass)
            ledger.seconds += poolSeconds * Double(n) / Double(nMax)
            choices[n] = Choice(winners: winners, scores: winners.map { scores[$0] }, trace: trace, ledger: ledger)
        }

        // 3. Final generation: with equal steps the winners are reused; otherwise every distinct
        // winner is generated once with finalSteps, and each budget is charged for its own slots.
        var finalImages = [Int: (images: Tensor, early: Tensor?)]()
        if reuse {
            let poolEarlyImages = finalEarly ? generated?.early : nil
            for (n, choice) in choices { finalImages[n] = (pool.rows(choice.winners), poolEarlyImages?.rows(choice.winners)) }
        } else {
            let distinct = Array(Set(choices.values.flatMap(\.winners))).sorted()
            let (regenerated, seconds) = context.timed {
                context.generator(steps: settings.finalSteps).generate(distinct.map { poolKeys[$0] }, earlyPrediction: finalEarly)
            }
            let row = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
            for (n, choice) in choices {
                let rows = choice.winners.map { row[$0]! }
                finalImages[n] = (regenerated.images.rows(rows), regenerated.early?.rows(rows))
                choices[n]!.ledger.seconds += seconds * Double(s) / Double(max(distinct.count, 1))
            }
        }
        return candidates.map { n in
            var choice = choices[n]!
            choice.ledger.addFinal(passes: s * finalPasses, flopsPerPass: context.flopsPerPass)
            let chosen = choice.winners.enumerated().map { slot, w in
                ChosenSample(key: poolKeys[w], searchScore: choice.scores.isEmpty ? nil : choice.scores[slot])
            }
            return SearchOutcome(algorithm: "random", budgetName: "candidates", budget: n, images: finalImages[n]!.images,
                                 early: finalImages[n]!.early, chosen: chosen, trace: choice.trace, ledger: choice.ledger)
        }
    }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }

/// Errors of search configuration.
public enum SearchError: Error, CustomStringConvertible, Equatable {
    case badParameter(algorithm: String, name: String, value: String, expected: String)
    case unsupported(algorithm: String, problem: String)

    public var description: String {
        switch self {
        case let .badParameter(algorithm, name, value, expected): return "\(algorithm) search: \(name) = \(value) is invalid; expected \(expected)"
        case let .unsupported(algorithm, problem): return "\(algorithm) search: \(problem)"
        }
    }
}
