import Foundation
import SiftModels
import SiftTensor

/// One SMC search at one particle count: the particles `(S·k, C, H, W)`, slot-major, solved
/// segment by segment between resampling steps, with each particle's reward history.
struct SMCRun {
    let parameters: SMCSearch.Parameters
    let task: SearchTask
    let context: SearchContext
    let segments: SDESegments
    let shape: [Int]

    init(parameters: SMCSearch.Parameters, task: SearchTask, context: SearchContext) {
        self.parameters = parameters
        self.task = task
        self.context = context
        let generator = context.generator(steps: 1)
        segments = SDESegments(solver: generator.segments, steps: context.settings.searchSteps)
        shape = generator.sampleShape
    }

    var steps: Int { segments.steps }
    var noise: GenerationNoise { segments.solver.noise }

    func run(for search: SMCSearch) throws -> SearchOutcome {
        let verifier = try context.makeVerifier()
        try search.check(verifier, context: context)
        let s = task.count, k = parameters.particles
        let start = Date()
        let passesBefore = context.denoiser.forwardPasses
        let keys = task.slots.flatMap { slot in (0..<k).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
        let labels = keys.map(\.classIndex)
        let pools = (0..<s).map { ($0 * k)..<(($0 + 1) * k) }
        var x = Tensor(keys.flatMap { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) }, shape: [s * k] + shape)
        var rewards = [[Double]](repeating: [], count: s * k)
        var trace = [Double]()
        var from = 0
        for (round, end) in (k > 1 ? parameters.resamplingSteps(steps: steps) : []).enumerated() {
            let (state, prediction) = segments.solve(x, keys: keys, from: from, to: end, predictAtEnd: true)
            let scores = try verifier.score(CandidateBatch(images: prediction!, labels: labels, pools: pools))
            for i in 0..<(s * k) { rewards[i].append(scores[i]) }
            trace.append(mean(pools.map { p in p.map { scores[$0] }.max()! }))
            let ancestors = resample(rewards: rewards, round: round)
            x = state.rows(ancestors)
            rewards = ancestors.map { rewards[$0] }
            from = end
        }
        x = segments.solve(x, keys: keys, from: from, to: steps, predictAtEnd: false).state
        let chosen: [ChosenSample], winners: [Int]
        if k > 1 {
            let scores = try verifier.score(CandidateBatch(images: x, labels: labels, pools: pools))
            winners = Selection.best(scores, pools: pools)
            chosen = winners.map { ChosenSample(key: keys[$0], searchScore: scores[$0]) }
            trace.append(mean(winners.map { scores[$0] }))
        } else {
            // One particle is plain SDE sampling: its generation is the final one, not search.
            winners = Array(0..<s)
            chosen = keys.map { ChosenSample(key: $0, searchScore: nil) }
        }
        let ledger = Ledger.measured(samples: s, context: context, passesBefore: passesBefore, searched: k > 1, verifier: verifier.cost, since: start)
        return search.outcome(budget: k, images: x.rows(winners), early: nil, chosen: chosen, trace: trace, ledger: ledger)
    }

    /// The ancestor of every particle position after resampling round `round` (itself where the
    /// slot's effective sample size stays at or above the threshold).
    func resample(rewards: [[Double]], round: Int) -> [Int] {
        let k = parameters.particles
        var ancestors = [Int]()
        for (slot, key) in task.slots.enumerated() {
            let base = slot * k
            let logG = (0..<k).map { potential(rewards[base + $0]) * parameters.lambda }
            let top = logG.max()!
            var w = logG.map { Foundation.exp($0 - top) }
            let total = w.reduce(0, +)
            w = w.map { $0 / total }
            let ess = 1 / w.reduce(0) { $0 + $1 * $1 }
            guard ess < parameters.essThreshold * Double(k) * (1 - 1e-12) else {
                ancestors += (base..<(base + k))
                continue
            }
            let u = noise.stream(.resample, classIndex: key.classIndex, sample: key.sample, candidate: round).uniforms(k).map(Double.init)
            ancestors += Self.draw(weights: w, uniforms: u, scheme: parameters.resampling).map { base + $0 }
        }
        return ancestors
    }

    /// The potential of one reward history r₁…r_t (before λ).
    func potential(_ r: [Double]) -> Double {
        switch parameters.potential {
        case .max: return r.max() ?? 0
        case .sum: return r.reduce(0, +)
        case .current: return r.last ?? 0
        case .diff: return (r.last ?? 0) - (r.count > 1 ? r[r.count - 2] : 0)
        }
    }

    /// Indices drawn from `weights` (normalised): multinomial, one inverse-CDF lookup per uniform;
    /// systematic, one offset u₀/k and the k evenly spaced points u₀/k + i/k.
    static func draw(weights: [Double], uniforms: [Double], scheme: SMCSearch.Parameters.Resampling) -> [Int] {
        let k = weights.count, cdf = CumulativeWeights(weights)
        switch scheme {
        case .multinomial: return uniforms.map(cdf.index)
        case .systematic: return (0..<k).map { cdf.index((uniforms[0] + Double($0)) / Double(k)) }
        }
    }
}
