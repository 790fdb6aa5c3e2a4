import Foundation
import SiftModels
import SiftTensor

/// One path search at one width: the survivors `(S·N, C, H, W)`, slot-major, each with the key of
/// the path it came from, advanced round by round from σ to data.
struct PathRun {
    let parameters: PathSearch.Parameters
    let task: SearchTask
    let context: SearchContext
    let solver: SegmentSolver
    let shape: [Int]

    init(parameters: PathSearch.Parameters, task: SearchTask, context: SearchContext) {
        self.parameters = parameters
        self.task = task
        self.context = context
        let generator = context.generator(steps: 1)
        solver = generator.segments
        shape = generator.sampleShape
    }

    var noise: GenerationNoise { solver.noise }

    /// The outcome of `search` at this run's width.
    func run(for search: PathSearch) throws -> SearchOutcome {
        let verifier = try context.makeVerifier()
        try search.check(verifier, context: context)
        let s = task.count, n = parameters.paths
        let start = Date()
        let passesBefore = context.denoiser.forwardPasses
        var keys = task.slots.flatMap { slot in (0..<n).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
        var x = Tensor(keys.flatMap { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) }, shape: [s * n] + shape)
        var t = 1 - parameters.sigma
        x = solve(x, keys: keys, from: 0, to: t, steps: parameters.initialSteps(searchSteps: context.settings.searchSteps))
        var scores = [Double](repeating: 0, count: s * n)
        var trace = [Double]()
        let survivorPools = (0..<s).map { ($0 * n)..<(($0 + 1) * n) }
        if parameters.levels.isEmpty {
            // σ = 0: the initial paths already reached data; the best of them wins.
            scores = try verifier.score(CandidateBatch(images: x, labels: keys.map(\.classIndex), pools: survivorPools))
            trace.append(mean(Selection.best(scores, pools: survivorPools).map { scores[$0] }))
        }
        for (round, level) in parameters.levels.enumerated() {
            let result = try advance(x, keys: keys, t: t, round: round, level: level, verifier: verifier)
            (x, keys, scores, t) = (result.x, result.keys, result.scores, result.t)
            trace.append(result.best)
        }
        let winners = Selection.best(scores, pools: survivorPools)
        let ledger = Ledger.measured(samples: s, context: context, passesBefore: passesBefore, searched: true, verifier: verifier.cost, since: start)
        let chosen = winners.map { ChosenSample(key: keys[$0], searchScore: scores[$0]) }
        return search.outcome(budget: parameters.width, images: x.rows(winners), early: nil, chosen: chosen, trace: trace, ledger: ledger)
    }

    /// One round: M forward re-noisings of every survivor by Δf `(S·N·M)`, solved back to the next
    /// level with L steps, judged by their data prediction (one extra call unless at data); keeps
    /// the top N of each slot (ties: earlier candidate first).
    func advance(_ x: Tensor, keys: [CandidateKey], t: Double, round: Int, level: Double, verifier: Verifier) throws
        -> (x: Tensor, keys: [CandidateKey], scores: [Double], t: Double, best: Double) {
        let s = task.count, n = parameters.paths, m = parameters.width, per = noise.perSample
        let tNoisy = max(0, t - parameters.forward)
        var candidateKeys = [CandidateKey](), noisy = [Float]()
        noisy.reserveCapacity(s * n * m * per)
        for (i, key) in keys.enumerated() {
            let survivor = Array(x.data[(i * per)..<((i + 1) * per)])
            for j in 0..<m {
                let id = round * n * m + (i % n) * m + j
                let eps = noise.stream(.renoise, classIndex: key.classIndex, sample: key.sample, candidate: id).normals(per)
                noisy += PathSearch.renoise(survivor, from: t, to: tNoisy, noise: eps)
                candidateKeys.append(key)
            }
        }
        let tNext = min(1, max(tNoisy, 1 - level))
        let labels = candidateKeys.map(\.classIndex)
        let solved = solve(Tensor(noisy, shape: [s * n * m] + shape), keys: candidateKeys, from: tNoisy, to: tNext, steps: parameters.length)
        let judged = level > 0 ? solver.predict(solved, labels: labels, t: Float(tNext)) : solved
        let pools = (0..<s).map { ($0 * n * m)..<(($0 + 1) * n * m) }
        let roundScores = try verifier.score(CandidateBatch(images: judged, labels: labels, pools: pools))
        var keep = [Int]()
        for pool in pools {
            keep += pool.sorted { roundScores[$0] > roundScores[$1] || (roundScores[$0] == roundScores[$1] && $0 < $1) }.prefix(n)
        }
        let best = mean(pools.map { p in p.map { roundScores[$0] }.max()! })
        return (solved.rows(keep), keep.map { candidateKeys[$0] }, keep.map { roundScores[$0] }, tNext, best)
    }

    /// Solves `x` from code time `t0` to `t1` (clamped to 1) in batches.
    func solve(_ x: Tensor, keys: [CandidateKey], from t0: Double, to t1: Double, steps: Int) -> Tensor {
        solver.solve(x, keys: keys, from: Float(t0), to: Float(min(t1, 1)), steps: steps)
    }
}
