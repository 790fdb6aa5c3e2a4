import Foundation
import SiftModels
import SiftTensor

/// `paths` (Paths-N): N initial noises per slot are solved to the start level σ; each round
/// re-noises every survivor M times forward by Δf (exact forward noising of the linear
/// interpolant), solves each back by Δb > Δf with L solver steps, takes one extra velocity call
/// to a data prediction for the verifier, and keeps the top N of the N·M; when the level
/// reaches 0 the best survivor is the sample.
///
/// Levels are noise levels σ in the paper's convention (σ = 0 is data, σ = 1 noise; SiT code
/// time t = 1 − σ). Every pass is search cost: the winning path is itself the final sample, so
/// there is no separate final generation. ODE solvers only (the paths must be deterministic).
public struct PathSearch {
    public let paths: Int
    public let widths: [Int]
    public let sigma: Double
    public let forward: Double
    public let backward: Double
    public let length: Int

    public init(paths: Int, widths: [Int], sigma: Double, forward: Double, backward: Double, length: Int) throws {
        func bad(_ name: String, _ value: Any, _ expected: String) -> SearchError {
            .badParameter(algorithm: "paths", name: name, value: "\(value)", expected: expected)
        }
        guard paths >= 1 else { throw bad("paths", paths, "a positive integer") }
        guard !widths.isEmpty, widths.allSatisfy({ $0 >= 1 }) else { throw bad("width", widths, "positive integers") }
        guard sigma >= 0 && sigma < 1 else { throw bad("sigma", sigma, "a start level in [0, 1)") }
        guard forward > 0 else { throw bad("forward", forward, "a positive step Δf") }
        guard backward > forward else { throw bad("backward", backward, "a step Δb larger than Δf = \(forward)") }
        guard sigma + forward <= 1 else { throw bad("forward", forward, "σ + Δf ≤ 1 (σ = \(sigma))") }
        guard length >= 1 else { throw bad("length", length, "a positive number of solver steps") }
        self.paths = paths
        self.widths = Array(Set(widths)).sorted()
        self.sigma = sigma
        self.forward = forward
        self.backward = backward
        self.length = length
    }

    /// The levels σ after each round, ending at 0.
    public var levels: [Double] {
        var out = [Double](), s = sigma
        while s > 1e-9 {
            s = max(s + forward - backward, 0)
            out.append(s < 1e-9 ? 0 : s)
        }
        return out
    }

    /// Solver steps of the first solve, from noise to σ (the search grid's share of the interval).
    public func initialSteps(searchSteps: Int) -> Int { max(1, Int((Double(searchSteps) * (1 - sigma)).rounded())) }

    /// Denoiser calls per slot (before guidance doubling) for width `m`: N·initial + per round
    /// N·M·(L calls + 1 prediction call unless the round ends at data).
    public func calls(width m: Int, searchSteps: Int, solver: Solver) -> Int {
        paths * solver.calls(steps: initialSteps(searchSteps: searchSteps))
            + levels.reduce(0) { $0 + paths * m * (solver.calls(steps: length) + ($1 > 0 ? 1 : 0)) }
    }

    /// The exact forward noising of the linear path from code time `t` to `t2 < t`:
    /// `x_{t2} = (t2/t)·x_t + √((1 − t2)² − (t2(1 − t)/t)²)·ε`.
    public static func renoise(_ x: [Float], from t: Double, to t2: Double, noise: [Float]) -> [Float] {
        let scale = t > 0 ? t2 / t : 0
        let std = max((1 - t2) * (1 - t2) - (scale * (1 - t)) * (scale * (1 - t)), 0).squareRoot()
        return zip(x, noise).map { Float(scale * Double($0) + std * Double($1)) }
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        guard context.settings.solver != .sde else { throw SearchError.unsupported(algorithm: "paths", problem: "needs an ODE solver (euler or heun), not sde") }
        return try widths.map { try run(task, width: $0, context: context) }
    }

    func run(_ task: SearchTask, width m: Int, context: SearchContext) throws -> SearchOutcome {
        let verifier = try context.makeVerifier()
        guard !verifier.needsEarlyPrediction else {
            throw SearchError.unsupported(algorithm: "paths", problem: "verifier '\(verifier.name)' needs the t = 0.6 prediction of a full generation, which a re-noised path does not have; use another verifier")
        }
        guard !context.recordEarlyPrediction else {
            throw SearchError.unsupported(algorithm: "paths", problem: "cannot record the final samples' t = 0.6 predictions (for a held-out self-similarity score): a re-noised path has none")
        }
        let settings = context.settings, denoiser = context.denoiser
        let slots = task.slots, s = slots.count, n = paths
        let noise = GenerationNoise(seed: settings.seed, perSample: context.generator(steps: 1).noise.perSample)
        let per = noise.perSample
        let shape = context.generator(steps: 1).sampleShape
        let start = Date()
        let passesBefore = denoiser.forwardPasses

        // Survivors `(S·N, C, H, W)`, slot-major, with the id of the path each came from.
        var keys = slots.flatMap { slot in (0..<n).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
        var x = Tensor(keys.flatMap { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) }, shape: [s * n] + shape)
        var t = 1 - sigma
        x = solveBatched(x, labels: keys.map(\.classIndex), from: 0, to: t, steps: initialSteps(searchSteps: settings.searchSteps), context: context)
        var scores = [Double](repeating: 0, count: s * n)
        var trace = [Double]()
        var lastPools = (0..<s).map { ($0 * n)..<(($0 + 1) * n) }
        if levels.isEmpty {
            // σ = 0: the initial paths already reached data; the best of them wins.
            scores = try verifier.score(CandidateBatch(images: x, labels: keys.map(\.classIndex), pools: lastPools))
            trace.append(mean(Selection.best(scores, pools: lastPools).map { scores[$0] }))
        }
        for (round, level) in levels.enumerated() {
            // M forward re-noisings of every survivor: (S·N·M) candidates, slot-major.
            let tNoisy = max(0, t - forward)
            var candidateKeys = [CandidateKey](), noisy = [Float]()
            noisy.reserveCapacity(s * n * m * per)
            for (i, key) in keys.enumerated() {
                let survivor = Array(x.data[(i * per)..<((i + 1) * per)])
                for j in 0..<m {
                    let id = round * n * m + (i % n) * m + j
                    let eps = noise.stream(.renoise, classIndex: key.classIndex, sample: key.sample, candidate: id).normals(per)
                    noisy += Self.renoise(survivor, from: t, to: tNoisy, noise: eps)
                    candidateKeys.append(CandidateKey(classIndex: key.classIndex, sample: key.sample, candidate: key.candidate))
                }
            }
            let tNext = min(1, max(tNoisy, 1 - level))
            let labels = candidateKeys.map(\.classIndex)
            let solved = solveBatched(Tensor(noisy, shape: [s * n * m] + shape), labels: labels, from: tNoisy, to: tNext, steps: length, context: context)
            // One extra call to a data prediction unless the round ended at data.
            let judged = level > 0 ? predictBatched(solved, labels: labels, t: Float(tNext), context: context) : solved
            let pools = (0..<s).map { ($0 * n * m)..<(($0 + 1) * n * m) }
            let roundScores = try verifier.score(CandidateBatch(images: judged, labels: labels, pools: pools))
            // Keep the top N of each slot (ties: earlier candidate first).
            var keep = [Int]()
            for pool in pools {
                keep += pool.sorted { roundScores[$0] > roundScores[$1] || (roundScores[$0] == roundScores[$1] && $0 < $1) }.prefix(n)
            }
            x = solved.rows(keep)
            keys = keep.map { candidateKeys[$0] }
            scores = keep.map { roundScores[$0] }
            trace.append(mean(pools.map { p in p.map { roundScores[$0] }.max()! }))
            t = tNext
            lastPools = (0..<s).map { ($0 * n)..<(($0 + 1) * n) }
        }
        let winners = Selection.best(scores, pools: lastPools)
        var ledger = Ledger(samples: s)
        ledger.addSearch(passes: denoiser.forwardPasses - passesBefore, flopsPerPass: context.flopsPerPass)
        ledger.addVerifier(verifier.cost)
        ledger.seconds = Date().timeIntervalSince(start)
        let chosen = winners.map { ChosenSample(key: keys[$0], searchScore: scores[$0]) }
        return SearchOutcome(algorithm: "paths", budgetName: "width", budget: m, images: x.rows(winners), early: nil,
                             chosen: chosen, trace: trace, ledger: ledger, finalScores: nil)
    }

    /// Solves in chunks of the context's batch size.
    func solveBatched(_ x: Tensor, labels: [Int], from t0: Double, to t1: Double, steps: Int, context: SearchContext) -> Tensor {
        chunked(x, labels: labels, context: context) { part, partLabels in
            Sampler.solve(part, labels: partLabels, from: Float(t0), to: Float(min(t1, 1)), steps: steps, solver: context.settings.solver,
                          denoiser: context.denoiser)
        }
    }

    /// Data predictions x + (1 − t)·v in chunks.
    func predictBatched(_ x: Tensor, labels: [Int], t: Float, context: SearchContext) -> Tensor {
        chunked(x, labels: labels, context: context) { part, partLabels in
            context.denoiser.dataPrediction(part, t: [Float](repeating: t, count: partLabels.count), labels: partLabels)
        }
    }

    func chunked(_ x: Tensor, labels: [Int], context: SearchContext, _ body: (Tensor, [Int]) -> Tensor) -> Tensor {
        let b = max(context.batchSize, 1)
        if labels.count <= b { return body(x, labels) }
        let parts = stride(from: 0, to: labels.count, by: b).map { lo -> Tensor in
            let hi = min(labels.count, lo + b)
            return body(x.slice(axis: 0, lo..<hi), Array(labels[lo..<hi]))
        }
        return Tensor.concat(parts, axis: 0)
    }
}
