import Foundation
import SiftModels
import SiftTensor

/// `zero-order` (ZO-N): each slot starts from its keyed noise as the pivot; every iteration draws
/// N neighbours on the norm-preserving cosine-τ shell around the pivot,
/// `y = ‖n‖ (τ u + √(1 − τ²) w)` with `u = n/‖n‖` and `w` a random unit direction ⟂ u, generates
/// them with `searchSteps`, and scores pivot and neighbours together; the pivot moves only when a
/// neighbour beats it (ties keep the pivot). With `restart`, a round without improvement retires
/// the pivot (remembered as a global best) and starts a fresh keyed noise. The budget axis is
/// iterations: one run yields the outcome after every iteration count in `iterations`, each
/// re-generated with `finalSteps` (reused when the step counts are equal).
public struct ZeroOrderSearch {
    public let neighbours: Int
    public let tau: Double
    public let restart: Bool
    /// Iteration counts to report (ascending); the run lasts `iterations.max()` iterations.
    public let iterations: [Int]

    public init(neighbours: Int, iterations: [Int], tau: Double = 0.95, restart: Bool = false) throws {
        guard neighbours >= 1 else { throw SearchError.badParameter(algorithm: "zero-order", name: "neighbours", value: "\(neighbours)", expected: "a positive integer") }
        guard tau > 0 && tau <= 1 else { throw SearchError.badParameter(algorithm: "zero-order", name: "tau", value: "\(tau)", expected: "a cosine in (0, 1]") }
        guard !iterations.isEmpty, iterations.allSatisfy({ $0 >= 0 }) else {
            throw SearchError.badParameter(algorithm: "zero-order", name: "iterations", value: "\(iterations)", expected: "a non-empty list of non-negative integers")
        }
        self.neighbours = neighbours
        self.tau = tau
        self.restart = restart
        self.iterations = Array(Set(iterations)).sorted()
    }

    /// A neighbour of `pivot` on the cosine-τ shell, from a standard-normal `direction`.
    /// Candidate index of neighbour 0 in keys (SDE noise, `selection.jsonl`); restart pivots use 1, 2, ….
    public static let neighbourKeyBase = 1_000_000

    public static func neighbour(of pivot: [Float], direction v: [Float], tau: Double) -> [Float] {
        let norm = pivot.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return pivot }
        let u = pivot.map { Double($0) / norm }
        let along = zip(v, u).reduce(0.0) { $0 + Double($1.0) * $1.1 }
        var w = zip(v, u).map { Double($0) - along * $1 }
        let wNorm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if wNorm > 0 { w = w.map { $0 / wNorm } }
        let side = (1 - tau * tau).squareRoot()
        return zip(u, w).map { Float(norm * (tau * $0 + side * $1)) }
    }

    struct Candidate {
        var noise: [Float]
        var score: Double
        var key: CandidateKey
    }

    public func run(_ task: SearchTask, context: SearchContext) throws -> [SearchOutcome] {
        let settings = context.settings
        let slots = task.slots
        let s = slots.count, n = neighbours
        let reuse = settings.searchSteps == settings.finalSteps
        let passes = context.passes(steps: settings.searchSteps), finalPasses = context.passes(steps: settings.finalSteps)
        let generator = context.generator(steps: settings.searchSteps)
        let noise = generator.noise
        let verifier = try context.makeVerifier()
        if restart && verifier.isPoolRelative {
            throw SearchError.unsupported(algorithm: "zero-order", problem: "restart compares scores across rounds, which '\(verifier.name)' only ranks within one pool; use restart: false")
        }
        // t = 0.6 predictions for the verifier, or to hand on with the final samples.
        let wantEarly = verifier.needsEarlyPrediction || context.recordEarlyPrediction
        let start = Date()

        // Pivots start at each slot's keyed noise (candidate 0), generated once.
        var pivots = slots.map { Candidate(noise: noise.initial(classIndex: $0.classIndex, sample: $0.sample), score: -.infinity, key: $0) }
        var pivotImages = generator.generate(slots, earlyPrediction: wantEarly)
        var best: [(candidate: Candidate, image: [Float], early: [Float]?)?] = [Candidate?](repeating: nil, count: s).map { _ in nil }
        var generated = s           // candidates generated so far (search steps)
        var restarts = [Int](repeating: 0, count: s)
        var trace = [Double]()
        var snapshots = [Int: (winners: [Candidate], images: Tensor, early: Tensor?, generated: Int, verifier: VerifierCost, seconds: Double)]()
        let per = noise.perSample

        func globalBest(_ i: Int) -> (candidate: Candidate, image: [Float], early: [Float]?) {
            let pivot = (pivots[i], Array(pivotImages.images.data[(i * per)..<((i + 1) * per)]),
                         pivotImages.early.map { Array($0.data[(i * per)..<((i + 1) * per)]) })
            guard let b = best[i], b.candidate.score > pivots[i].score else { return pivot }
            return b
        }
        func snapshot(_ iteration: Int) {
            let winners = (0..<s).map(globalBest)
            snapshots[iteration] = (winners.map(\.candidate), Tensor(winners.flatMap(\.image), shape: [s] + generator.sampleShape),
                                    pivotImages.early.map { _ in Tensor(winners.flatMap { $0.early! }, shape: [s] + generator.sampleShape) },
                                    generated, verifier.cost, Date().timeIntervalSince(start))
        }
        if iterations.contains(0) { snapshot(0) }

        for iteration in 1...max(iterations.max()!, 1) where iteration <= iterations.max()! {
            // N neighbours per slot, keyed (seed, neighbour, class, sample, iteration·N + j).
            var keys = [CandidateKey](), noises = [[Float]]()
            for (i, slot) in slots.enumerated() {
                for j in 0..<n {
                    let id = (iteration - 1) * n + j
                    // Keys of neighbours start at `neighbourKeyBase`, apart from restart pivots (1, 2, …).
                    let key = CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: Self.neighbourKeyBase + id)
                    let direction = noise.stream(.neighbour, classIndex: slot.classIndex, sample: slot.sample, candidate: id).normals(per)
                    keys.append(key)
                    noises.append(Self.neighbour(of: pivots[i].noise, direction: direction, tau: tau))
                }
            }
            let out = generator.generate(keys, initial: noises, earlyPrediction: wantEarly)
            generated += keys.count
            // Pools: the pivot first, then its neighbours — rows of [pivots (S); neighbours (S·N)].
            let order = (0..<s).flatMap { i in [i] + (0..<n).map { s + i * n + $0 } }
            func rows(_ t: Tensor, _ pivotsT: Tensor) -> Tensor { Tensor.concat([pivotsT, t], axis: 0).rows(order) }
            let batch = CandidateBatch(images: rows(out.images, pivotImages.images), labels: slots.flatMap { [Int](repeating: $0.classIndex, count: n + 1) },
                                       earlyPrediction: verifier.needsEarlyPrediction ? out.early.map { rows($0, pivotImages.early!) } : nil,
                                       pools: (0..<s).map { ($0 * (n + 1))..<(($0 + 1) * (n + 1)) })
            let scores = try verifier.score(batch)
            // No commit: the rounds are not the final selection (a set-level verifier scores
            // each round against the same, empty, committed set).
            let winners = Selection.best(scores, pools: batch.pools)
            var newImages = pivotImages.images.data
            var newEarly = pivotImages.early?.data
            var freshSlots = [Int]()
            for i in 0..<s {
                let w = winners[i] - i * (n + 1)
                pivots[i].score = scores[i * (n + 1)]
                if w > 0 {
                    let k = i * n + w - 1
                    pivots[i] = Candidate(noise: noises[k], score: scores[winners[i]], key: keys[k])
                    newImages.replaceSubrange((i * per)..<((i + 1) * per), with: out.images.data[(k * per)..<((k + 1) * per)])
                    if let e = out.early { newEarly!.replaceSubrange((i * per)..<((i + 1) * per), with: e.data[(k * per)..<((k + 1) * per)]) }
                } else if restart {
                    let retired = globalBest(i)
                    best[i] = retired
                    freshSlots.append(i)
                }
            }
            pivotImages = (Tensor(newImages, shape: pivotImages.images.shape), newEarly.map { Tensor($0, shape: pivotImages.images.shape) })
            trace.append(mean((0..<s).map { globalBest($0).candidate.score }))
            if iterations.contains(iteration) { snapshot(iteration) }
            // Fresh pivots for the next round (none after the last: they would never be scored).
            if iteration < iterations.max()! {
                if !freshSlots.isEmpty {
                    // Fresh pivots: keyed initial noises of candidates 1, 2, … of the slot.
                    let freshKeys = freshSlots.map { i -> CandidateKey in
                        restarts[i] += 1
                        return CandidateKey(classIndex: slots[i].classIndex, sample: slots[i].sample, candidate: restarts[i])
                    }
                    let fresh = generator.generate(freshKeys, earlyPrediction: wantEarly)
                    generated += freshKeys.count
                    var images = pivotImages.images.data, early = pivotImages.early?.data
                    for (r, i) in freshSlots.enumerated() {
                        pivots[i] = Candidate(noise: noise.initial(classIndex: freshKeys[r].classIndex, sample: freshKeys[r].sample, candidate: freshKeys[r].candidate),
                                              score: -.infinity, key: freshKeys[r])
                        images.replaceSubrange((i * per)..<((i + 1) * per), with: fresh.images.data[(r * per)..<((r + 1) * per)])
                        if let e = fresh.early { early!.replaceSubrange((i * per)..<((i + 1) * per), with: e.data[(r * per)..<((r + 1) * per)]) }
                    }
                    pivotImages = (Tensor(images, shape: pivotImages.images.shape), early.map { Tensor($0, shape: pivotImages.images.shape) })
                }
            }
        }

        // Final generation of each reported iteration's winners.
        let finalGenerator = context.generator(steps: settings.finalSteps)
        return iterations.map { iteration in
            let snap = snapshots[iteration]!
            var ledger = Ledger(samples: s)
            // Iteration 0 is no search: the pivots are the plain samples (reused, or regenerated).
            ledger.addSearch(passes: iteration == 0 ? 0 : (snap.generated - (reuse ? s : 0)) * passes, flopsPerPass: context.flopsPerPass)
            ledger.addVerifier(snap.verifier)
            ledger.addFinal(passes: s * finalPasses, flopsPerPass: context.flopsPerPass)
            ledger.seconds = snap.seconds
            var images = snap.images, early = snap.early
            if !reuse {
                let (final, seconds) = context.timed {
                    finalGenerator.generate(snap.winners.map(\.key), initial: snap.winners.map(\.noise), earlyPrediction: wantEarly)
                }
                images = final.images
                early = final.early
                ledger.seconds += seconds
            }
            let chosen = snap.winners.map { ChosenSample(key: $0.key, searchScore: $0.score.isFinite ? $0.score : nil) }
            return SearchOutcome(algorithm: "zero-order", budgetName: "iterations", budget: iteration, images: images, early: early,
                                 chosen: chosen, trace: Array(trace.prefix(iteration)), ledger: ledger, finalScores: nil)
        }
    }
}
