import Foundation
import SiftModels
import SiftTensor

/// The state of one zero-order search: every slot's pivot (noise, score, key, generated image and
/// t = 0.6 prediction), the global best of retired pivots, and a snapshot after each reported
/// iteration count.
final class ZeroOrderRun {
    typealias Candidate = ScoredNoise

    let search: ZeroOrderSearch
    let slots: [CandidateKey]
    let verifier: Verifier
    let generator: CandidateGenerator
    /// t = 0.6 predictions for the verifier, or to hand on with the final samples.
    let wantsEarly: Bool
    let start = Date()

    var pivots: [Candidate]
    var pivotImages: (images: Tensor, early: Tensor?)
    var best: [(candidate: Candidate, image: [Float], early: [Float]?)?]
    /// Candidates generated so far (search steps).
    var generated: Int
    var restarts: [Int]
    var trace = [Double]()
    var snapshots = [Int: NoiseSearchSnapshot]()

    var noise: GenerationNoise { generator.noise }
    var per: Int { noise.perSample }
    var s: Int { slots.count }

    /// Pivots start at each slot's keyed noise (candidate 0), generated once.
    init(search: ZeroOrderSearch, task: SearchTask, verifier: Verifier, context: SearchContext) {
        self.search = search
        slots = task.slots
        self.verifier = verifier
        generator = context.generator(steps: context.settings.searchSteps)
        wantsEarly = EarlyPrediction.neededForFinals(verifier: verifier, context: context)
        let noise = generator.noise
        pivots = slots.map { Candidate(noise: noise.initial(classIndex: $0.classIndex, sample: $0.sample), score: -.infinity, key: $0) }
        pivotImages = generator.generate(slots, earlyPrediction: wantsEarly)
        best = Array(repeating: nil, count: slots.count)
        generated = slots.count
        restarts = [Int](repeating: 0, count: slots.count)
    }

    /// Runs `last` iterations, snapshotting after each count in `reported` (0 included).
    func iterate(through last: Int, reporting reported: Set<Int>) throws {
        if reported.contains(0) { snapshot(0) }
        guard last >= 1 else { return }
        for iteration in 1...last {
            let fresh = try round(iteration)
            trace.append(mean((0..<s).map { globalBest($0).candidate.score }))
            if reported.contains(iteration) { snapshot(iteration) }
            // Fresh pivots for the next round (none after the last: they would never be scored).
            if iteration < last && !fresh.isEmpty { restartPivots(fresh) }
        }
    }

    /// The best of a slot: its pivot, or a retired pivot that scored higher.
    func globalBest(_ i: Int) -> (candidate: Candidate, image: [Float], early: [Float]?) {
        let pivot = (pivots[i], Array(pivotImages.images.data[(i * per)..<((i + 1) * per)]),
                     pivotImages.early.map { Array($0.data[(i * per)..<((i + 1) * per)]) })
        guard let b = best[i], b.candidate.score > pivots[i].score else { return pivot }
        return b
    }

    func snapshot(_ iteration: Int) {
        let winners = (0..<s).map(globalBest)
        let shape = [s] + generator.sampleShape
        snapshots[iteration] = NoiseSearchSnapshot(winners: winners.map(\.candidate), images: Tensor(winners.flatMap(\.image), shape: shape),
                                        early: pivotImages.early.map { _ in Tensor(winners.flatMap { $0.early! }, shape: shape) },
                                        generated: generated, verifier: verifier.cost, seconds: Date().timeIntervalSince(start),
                                        trace: trace, wantsEarly: wantsEarly)
    }

    /// One iteration: N neighbours per slot, keyed (seed, neighbour, class, sample, iteration·N + j),
    /// scored with their pivot; returns the slots to restart.
    func round(_ iteration: Int) throws -> [Int] {
        let n = search.parameters.neighbours
        var keys = [CandidateKey](), noises = [[Float]]()
        for (i, slot) in slots.enumerated() {
            for j in 0..<n {
                let id = (iteration - 1) * n + j
                // Keys of neighbours start at `neighbourKeyBase`, apart from restart pivots (1, 2, …).
                keys.append(CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: ZeroOrderSearch.neighbourKeyBase + id))
                let direction = noise.stream(.neighbour, classIndex: slot.classIndex, sample: slot.sample, candidate: id).normals(per)
                noises.append(ZeroOrderSearch.neighbour(of: pivots[i].noise, direction: direction, tau: search.parameters.tau))
            }
        }
        let out = generator.generate(keys, initial: noises, earlyPrediction: wantsEarly)
        generated += keys.count
        // Pools: the pivot first, then its neighbours — rows of [pivots (S); neighbours (S·N)].
        let order = (0..<s).flatMap { i in [i] + (0..<n).map { s + i * n + $0 } }
        func rows(_ t: Tensor, _ pivotsT: Tensor) -> Tensor { Tensor.concat([pivotsT, t], axis: 0).rows(order) }
        let batch = CandidateBatch(images: rows(out.images, pivotImages.images), labels: slots.flatMap { [Int](repeating: $0.classIndex, count: n + 1) },
                                   earlyPrediction: verifier.needsEarlyPrediction ? out.early.map { rows($0, pivotImages.early!) } : nil,
                                   pools: (0..<s).map { ($0 * (n + 1))..<(($0 + 1) * (n + 1)) })
        let scores = try verifier.score(batch)
        // No commit: the rounds are not the final selection (a set-level verifier scores each
        // round against the same, empty, committed set).
        return move(to: Selection.best(scores, pools: batch.pools), scores: scores, keys: keys, noises: noises, out: out)
    }

    /// Moves each pivot to its winning neighbour; with restart, retires pivots that did not improve.
    func move(to winners: [Int], scores: [Double], keys: [CandidateKey], noises: [[Float]], out: (images: Tensor, early: Tensor?)) -> [Int] {
        let n = search.parameters.neighbours
        var newImages = pivotImages.images.data
        var newEarly = pivotImages.early?.data
        var fresh = [Int]()
        for i in 0..<s {
            let w = winners[i] - i * (n + 1)
            pivots[i].score = scores[i * (n + 1)]
            if w > 0 {
                let k = i * n + w - 1
                pivots[i] = Candidate(noise: noises[k], score: scores[winners[i]], key: keys[k])
                newImages.replaceSubrange((i * per)..<((i + 1) * per), with: out.images.data[(k * per)..<((k + 1) * per)])
                if let e = out.early { newEarly!.replaceSubrange((i * per)..<((i + 1) * per), with: e.data[(k * per)..<((k + 1) * per)]) }
            } else if search.parameters.restart {
                best[i] = globalBest(i)
                fresh.append(i)
            }
        }
        pivotImages = (Tensor(newImages, shape: pivotImages.images.shape), newEarly.map { Tensor($0, shape: pivotImages.images.shape) })
        return fresh
    }

    /// Fresh pivots for `freshSlots`: keyed initial noises of candidates 1, 2, … of the slot.
    func restartPivots(_ freshSlots: [Int]) {
        let freshKeys = freshSlots.map { i -> CandidateKey in
            restarts[i] += 1
            return CandidateKey(classIndex: slots[i].classIndex, sample: slots[i].sample, candidate: restarts[i])
        }
        let fresh = generator.generate(freshKeys, earlyPrediction: wantsEarly)
        generated += freshKeys.count
        var images = pivotImages.images.data, early = pivotImages.early?.data
        for (r, i) in freshSlots.enumerated() {
            let key = freshKeys[r]
            pivots[i] = Candidate(noise: noise.initial(classIndex: key.classIndex, sample: key.sample, candidate: key.candidate), score: -.infinity, key: key)
            images.replaceSubrange((i * per)..<((i + 1) * per), with: fresh.images.data[(r * per)..<((r + 1) * per)])
            if let e = fresh.early { early!.replaceSubrange((i * per)..<((i + 1) * per), with: e.data[(r * per)..<((r + 1) * per)]) }
        }
        pivotImages = (Tensor(images, shape: pivotImages.images.shape), early.map { Tensor($0, shape: pivotImages.images.shape) })
    }
}
