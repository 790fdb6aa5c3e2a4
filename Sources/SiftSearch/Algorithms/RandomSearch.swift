import SiftTensor

/// `random` (best-of-N): each slot draws N candidate noises keyed (seed, class, sample,
/// candidate), generates them with `searchSteps`, keeps the best-scoring one and re-generates it
/// with `finalSteps` (reusing it when the step counts are equal).
///
/// One pool of the largest N serves every N of ``budgets``: best-of-N reads the first N
/// candidates of each pool, so a sweep costs one run of the largest N, and cells with other
/// verifiers share the pool too (``SharedWork``). Each N's ledger reports what that N alone would
/// cost; wall seconds are the measured time of the shared phases apportioned by candidates.
public struct RandomSearch: SearchAlgorithm {
    public struct Parameters: SearchParameters {
        /// N candidates per sample (the budget; 1 is no search).
        public var candidates = 1
        public init() {}
        public init(candidates: Int) { self.candidates = candidates }

        public static let budgetKey = "candidates"
        public static let documentation: [(key: String, meaning: String)] = [
            ("candidates", "N candidates per sample (the budget axis; N = 1 is no search)"),
        ]
        public var budget: Int {
            get { candidates }
            set { candidates = newValue }
        }
        public var isNoSearch: Bool { candidates == 1 }

        public static func read(_ source: ParameterSource) throws -> Parameters {
            Parameters(candidates: try source.int("candidates", default: Parameters().candidates))
        }

        public func validate() throws(ParameterError) {
            try ParameterError.require(candidates >= 1, "candidates", "a positive integer", got: candidates)
        }
    }

    public typealias SharedWork = Pool
    public static let kind = "random"
    public static let summary = "best-of-N over keyed initial noises, every N of a sweep from one pool"
    public static var sharesWorkAcrossVerifiers: Bool { true }
    public static var sweepsBudgetsInOneRun: Bool { true }

    public let parameters: Parameters
    public let budgets: [Int]

    public init(_ parameters: Parameters, budgets: [Int]) throws {
        (self.parameters, self.budgets) = try Self.validated(parameters, budgets: budgets)
    }

    /// Best-of-N for every N of `candidates` from one pool.
    public init(candidates: [Int]) throws { try self.init(Parameters(), budgets: candidates) }

    var nMax: Int { budgets.last! }

    public func plannedGenerations(_ task: SearchTask, settings: SamplingSettings) -> Int? { task.count * nMax }

    /// Each winner is its key's own noise generated with the final steps (with equal steps the pool's
    /// generation of it, bit for bit: products do not depend on the batch).
    public func finalSamples(of chosen: [CandidateKey], context: SearchContext, earlyPrediction: Bool) -> (images: Tensor, early: Tensor?)? {
        let final = context.regenerate(chosen, earlyPrediction: earlyPrediction)
        return (final.images, final.early)
    }

    /// A pool of the largest N for every cell of a group (nil when no N needs one).
    public func prepareSharedWork(_ task: SearchTask, earlyPrediction: Bool, context: SearchContext) throws -> Pool? {
        guard nMax > 1 || context.reusesWinners else { return nil }
        return Pool.generate(task, nMax: nMax, earlyPrediction: Pool.needsEarlyPrediction(verifierNeedsIt: earlyPrediction, context: context),
                             context: context)
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] { try run(task, context: context, shared: nil) }

    /// One outcome per N, in ascending N. `shared` (from ``prepareSharedWork(_:earlyPrediction:context:)``
    /// with the same task and settings) saves generating the candidates again when it fits.
    public func run(_ task: SearchTask, context: SearchContext, shared: Pool?) throws -> [SearchOutcome] {
        let verifier = try context.makeVerifier()
        try check(verifier, context: context)
        let poolEarly = Pool.needsEarlyPrediction(verifierNeedsIt: verifier.needsEarlyPrediction, context: context)
        let given = shared.flatMap { $0.fits(task, nMax: nMax, early: poolEarly) ? $0.prefix(nMax, slots: task.count) : nil }
        let pool = given ?? (nMax > 1 || context.reusesWinners ? Pool.generate(task, nMax: nMax, earlyPrediction: poolEarly, context: context) : nil)
        let scores = try scoreOnce(pool, verifier: verifier)
        var choices = try budgets.map { try choose($0, task: task, pool: pool, scores: scores, verifier: verifier, context: context) }
        let finals = finalSamples(&choices, task: task, pool: pool, earlyPrediction: EarlyPrediction.neededForFinals(verifier: verifier, context: context),
                                  context: context)
        let keys = pool?.keys ?? task.slots
        return zip(budgets, zip(choices, finals)).map { n, item in
            var (choice, final) = item
            choice.ledger.chargeFinal(samples: task.count, context: context)
            let chosen = choice.winners.enumerated().map { slot, w in
                ChosenSample(key: keys[w], searchScore: choice.scores.isEmpty ? nil : choice.scores[slot])
            }
            var result = outcome(budget: n, images: final.images, early: final.early, chosen: chosen, trace: choice.trace, ledger: choice.ledger)
            result.verifierState = choice.verifierState
            return result
        }
    }

    /// What one N chose: winners (pool rows), their scores, the trace and the ledger so far, and
    /// the running state of a set-level verifier after its commits.
    struct Choice {
        var winners: [Int]
        var scores: [Double]
        var trace: [Double]
        var ledger: Ledger
        var verifierState: [Double]? = nil
    }

    /// Scores of the whole pool from one verifier call, when candidates are scored on their own
    /// (pool-relative verifiers score each budget's own pools instead).
    func scoreOnce(_ pool: Pool?, verifier: Verifier) throws -> (scores: [Double], cost: VerifierCost, seconds: Double)? {
        guard let pool, !verifier.isPoolRelative && nMax > 1 else { return nil }
        let batch = CandidateBatch(images: pool.images, labels: pool.keys.map(\.classIndex),
                                   earlyPrediction: verifier.needsEarlyPrediction ? pool.early : nil, pools: pool.slotRanges)
        let (scores, seconds) = try SearchContext.time { try verifier.score(batch) }
        return (scores, verifier.cost, seconds)
    }

    /// Best of the first `n` candidates of each slot, and what choosing them cost.
    func choose(_ n: Int, task: SearchTask, pool: Pool?, scores shared: (scores: [Double], cost: VerifierCost, seconds: Double)?,
                verifier: Verifier, context: SearchContext) throws -> Choice {
        let s = task.count
        let ranges = (0..<s).map { ($0 * nMax)..<(($0 + 1) * nMax) }
        var ledger = Ledger(samples: s)
        let poolSeconds = pool?.seconds ?? 0
        guard n > 1, let pool else {
            if context.reusesWinners { ledger.seconds += poolSeconds / Double(nMax) }
            return Choice(winners: ranges.map(\.lowerBound), scores: [], trace: [], ledger: ledger)
        }
        let prefix = ranges.map { $0.lowerBound..<($0.lowerBound + n) }
        var scores = [Double](repeating: 0, count: s * nMax)
        var state: [Double]?
        if let shared {
            scores = shared.scores
            let perCandidate = Double(n) / Double(nMax)
            ledger.addVerifier(VerifierCost(forwardPasses: shared.cost.forwardPasses / nMax * n, flops: shared.cost.flops * perCandidate))
            ledger.seconds += shared.seconds * perCandidate
        } else {
            state = try scorePrefixes(prefix, pool: pool, into: &scores, ledger: &ledger, startingFrom: context.runningStates[n], context: context)
        }
        let winners = Selection.best(scores, pools: prefix)
        // Best so far after each candidate (meaningful for per-candidate scores).
        let trace = verifier.isPoolRelative ? [mean(winners.map { scores[$0] })]
            : (1...n).map { k in mean(ranges.map { p in (p.lowerBound..<(p.lowerBound + k)).map { scores[$0] }.max()! }) }
        ledger.chargeSearch(candidates: s * (context.reusesWinners ? n - 1 : n), context: context)
        ledger.seconds += poolSeconds * Double(n) / Double(nMax)
        return Choice(winners: winners, scores: winners.map { scores[$0] }, trace: trace, ledger: ledger, verifierState: state)
    }

    /// Scores each slot's `prefix` rows with a fresh verifier (pool-relative scores), committing the
    /// winners for set-level verifiers, which start from `state` (an earlier chunk's) when given.
    /// Returns the verifier's running state after the commits.
    func scorePrefixes(_ prefix: [Range<Int>], pool: Pool, into scores: inout [Double], ledger: inout Ledger, startingFrom state: [Double]?,
                       context: SearchContext) throws -> [Double]? {
        let own = try context.makeVerifier()
        if let state { try own.resume(from: state) }
        let indices = prefix.flatMap { Array($0) }
        let n = prefix.first?.count ?? 0
        let batch = CandidateBatch(images: pool.images.rows(indices), labels: indices.map { pool.keys[$0].classIndex },
                                   earlyPrediction: own.needsEarlyPrediction ? pool.early?.rows(indices) : nil,
                                   pools: prefix.indices.map { ($0 * n)..<(($0 + 1) * n) })
        let (local, seconds) = try context.timed { try own.score(batch) }
        for (j, i) in indices.enumerated() { scores[i] = local[j] }
        try own.commit(batch, chosen: Selection.best(local, pools: batch.pools))
        ledger.addVerifier(own.cost)
        ledger.seconds += seconds
        return own.runningState
    }

    /// The final samples of every choice: with equal steps the winners themselves; otherwise every
    /// distinct winner generated once with the final steps, each N charged the time of its own slots.
    func finalSamples(_ choices: inout [Choice], task: SearchTask, pool: Pool?, earlyPrediction: Bool,
                      context: SearchContext) -> [(images: Tensor, early: Tensor?)] {
        if context.reusesWinners, let pool {
            return choices.map { (pool.images.rows($0.winners), earlyPrediction ? pool.early?.rows($0.winners) : nil) }
        }
        let keys = pool?.keys ?? task.slots
        let distinct = Array(Set(choices.flatMap(\.winners))).sorted()
        let regenerated = context.regenerate(distinct.map { keys[$0] }, earlyPrediction: earlyPrediction)
        let row = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        return choices.indices.map { i in
            let rows = choices[i].winners.map { row[$0]! }
            choices[i].ledger.seconds += regenerated.seconds * Double(task.count) / Double(max(distinct.count, 1))
            return (regenerated.images.rows(rows), regenerated.early?.rows(rows))
        }
    }
}
