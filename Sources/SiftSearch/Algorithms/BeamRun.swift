import Foundation
import SiftModels
import SiftTensor

/// One beam search at one beam count: the beams `(S·B, C, H, W)`, slot-major, each with the key
/// of its latest continuation, advanced block by block.
struct BeamRun {
    let parameters: BeamSearch.Parameters
    let task: SearchTask
    let context: SearchContext
    let segments: SDESegments
    /// Euler roll-outs for the look-ahead.
    let rollout: SegmentSolver
    let shape: [Int]

    init(parameters: BeamSearch.Parameters, task: SearchTask, context: SearchContext) {
        self.parameters = parameters
        self.task = task
        self.context = context
        let generator = context.generator(steps: 1)
        segments = SDESegments(solver: generator.segments, steps: context.settings.searchSteps)
        rollout = SegmentSolver(denoiser: context.denoiser, solver: .euler, noise: generator.noise, batchSize: context.batchSize)
        shape = generator.sampleShape
    }

    var noise: GenerationNoise { segments.solver.noise }

    func run(for search: BeamSearch) throws -> SearchOutcome {
        let verifier = try context.makeVerifier()
        try search.check(verifier, context: context)
        let s = task.count, b = parameters.beams
        let start = Date()
        let passesBefore = context.denoiser.forwardPasses
        var keys = task.slots.flatMap { slot in (0..<b).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
        var x = Tensor(keys.flatMap { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) }, shape: [s * b] + shape)
        var scores = [Double](repeating: 0, count: s * b)
        var trace = [Double]()
        var from = 0
        let ends = parameters.isNoSearch ? [] : parameters.branchSteps(steps: segments.steps)
        for (round, end) in (ends + [segments.steps]).enumerated() {
            if parameters.isNoSearch {
                x = segments.solve(x, keys: keys, from: from, to: end, predictAtEnd: false).state
                break
            }
            (x, keys, scores) = try branch(x, keys: keys, round: round, from: from, to: end, verifier: verifier)
            trace.append(mean((0..<s).map { scores[$0 * b] }))
            from = end
        }
        // B = K = 1 is plain SDE sampling: its generation is the final one, not search.
        let ledger = Ledger.measured(samples: s, context: context, passesBefore: passesBefore, searched: !parameters.isNoSearch,
                                     verifier: verifier.cost, since: start)
        // The beams of a slot are sorted best first: its first beam is the sample.
        let winners = (0..<s).map { $0 * b }
        let chosen = winners.map { ChosenSample(key: keys[$0], searchScore: parameters.isNoSearch ? nil : scores[$0]) }
        return search.outcome(budget: b, images: x.rows(winners), early: nil, chosen: chosen, trace: trace, ledger: ledger)
    }

    /// One block: K continuations of every beam (candidate ids unique within the slot), solved
    /// from boundary `from` to `to`, judged by the look-ahead (or, at data, by the samples), the
    /// top B of each slot kept best first (ties: earlier continuation first).
    func branch(_ x: Tensor, keys: [CandidateKey], round: Int, from: Int, to: Int, verifier: Verifier) throws
        -> (x: Tensor, keys: [CandidateKey], scores: [Double]) {
        let s = task.count, b = parameters.beams, k = parameters.candidates
        var rows = [Int](), children = [CandidateKey]()
        for (i, key) in keys.enumerated() {
            for j in 0..<k {
                rows.append(i)
                children.append(CandidateKey(classIndex: key.classIndex, sample: key.sample, candidate: b + (round * b + i % b) * k + j))
            }
        }
        let atData = to >= segments.steps
        let judgeByPrediction = !atData && parameters.lookahead == 0
        let (state, prediction) = segments.solve(x.rows(rows), keys: children, from: from, to: to, predictAtEnd: judgeByPrediction)
        let judged: Tensor
        if atData {
            judged = state
        } else if let prediction {
            judged = prediction
        } else {
            judged = rollout.solve(state, keys: children, from: segments.time(afterStep: to), to: 1, steps: parameters.lookahead)
        }
        let pools = (0..<s).map { ($0 * b * k)..<(($0 + 1) * b * k) }
        let scores = try verifier.score(CandidateBatch(images: judged, labels: children.map(\.classIndex), pools: pools))
        var keep = [Int]()
        for pool in pools {
            keep += pool.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(b)
        }
        return (state.rows(keep), keep.map { children[$0] }, keep.map { scores[$0] })
    }
}
