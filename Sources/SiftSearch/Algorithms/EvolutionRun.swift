import Foundation
import SiftModels
import SiftTensor

/// The state of one evolutionary search: every slot's population (noise, score, key, generated
/// image and t = 0.6 prediction), best first, and a snapshot after each reported generation.
final class EvolutionRun {
    struct Individual {
        var noise: [Float]
        var score: Double
        var key: CandidateKey
        var image: [Float]
        var early: [Float]?
    }

    let parameters: EvolutionSearch.Parameters
    let slots: [CandidateKey]
    let verifier: Verifier
    let generator: CandidateGenerator
    let wantsEarly: Bool
    let start = Date()
    /// Each slot's population, best first (ties: the earlier individual first).
    var populations: [[Individual]]
    var generated = 0
    var trace = [Double]()
    var snapshots = [Int: NoiseSearchSnapshot]()

    var noise: GenerationNoise { generator.noise }
    var per: Int { noise.perSample }

    /// The first population: keyed initial noises of candidates 0…P−1, generated and scored.
    init(search: EvolutionSearch, task: SearchTask, verifier: Verifier, context: SearchContext) {
        parameters = search.parameters
        slots = task.slots
        self.verifier = verifier
        generator = context.generator(steps: context.settings.searchSteps)
        wantsEarly = EarlyPrediction.neededForFinals(verifier: verifier, context: context)
        populations = []
    }

    /// Evolves `last` generations, snapshotting after each count in `reported` (0 included).
    func evolve(through last: Int, reporting reported: Set<Int>) throws {
        let p = parameters.population
        let keys = slots.flatMap { slot in (0..<p).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) } }
        let first = try evaluate(keys, noises: keys.map { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) },
                                 scored: !parameters.isNoSearch)
        populations = slots.indices.map { Self.ranked(Array(first[($0 * p)..<(($0 + 1) * p)])) }
        if reported.contains(0) { snapshot(0) }
        guard last >= 1 else { return }
        for generation in 1...last {
            try breed(generation)
            trace.append(mean(populations.map { $0[0].score }))
            if reported.contains(generation) { snapshot(generation) }
        }
    }

    /// One generation: the elites stay; P − E children per slot, keyed (class, sample, child id),
    /// each the mutation of the better of two uniformly drawn individuals.
    func breed(_ generation: Int) throws {
        let p = parameters.population, e = parameters.elites, children = p - e
        let beta = Float(parameters.mutation), keep = Float((1 - parameters.mutation * parameters.mutation).squareRoot())
        var keys = [CandidateKey](), noises = [[Float]]()
        for (i, slot) in slots.enumerated() {
            for c in 0..<children {
                let id = (generation - 1) * children + c
                let stream = noise.stream(.mutation, classIndex: slot.classIndex, sample: slot.sample, candidate: id)
                let draws = stream.uniforms(2)
                let a = min(Int(draws[0] * Float(p)), p - 1), b = min(Int(draws[1] * Float(p)), p - 1)
                let parent = populations[i][min(a, b)]   // ranked best first: the lower index wins
                let eps = stream.stream(1).normals(per)
                noises.append(zip(parent.noise, eps).map { keep * $0 + beta * $1 })
                keys.append(CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: EvolutionSearch.childKeyBase + id))
            }
        }
        let born = try evaluate(keys, noises: noises, scored: true)
        for i in slots.indices {
            populations[i] = Self.ranked(Array(populations[i].prefix(e)) + born[(i * children)..<((i + 1) * children)])
        }
    }

    /// Generates and (when `scored`) scores `keys` from `noises` in one batch of batches.
    func evaluate(_ keys: [CandidateKey], noises: [[Float]], scored: Bool) throws -> [Individual] {
        let out = generator.generate(keys, initial: noises, earlyPrediction: wantsEarly)
        generated += keys.count
        let scores = scored ? try verifier.score(CandidateBatch(images: out.images, labels: keys.map(\.classIndex),
                                                                earlyPrediction: verifier.needsEarlyPrediction ? out.early : nil,
                                                                pools: [0..<keys.count])) : [Double](repeating: -.infinity, count: keys.count)
        return keys.indices.map { r in
            Individual(noise: noises[r], score: scores[r], key: keys[r], image: Array(out.images.data[(r * per)..<((r + 1) * per)]),
                       early: out.early.map { Array($0.data[(r * per)..<((r + 1) * per)]) })
        }
    }

    /// Best first; equal scores keep their order (elites before children, earlier before later).
    static func ranked(_ individuals: [Individual]) -> [Individual] {
        individuals.enumerated().sorted { $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset) }
            .map(\.element)
    }

    func snapshot(_ generation: Int) {
        let winners = populations.map { $0[0] }
        let shape = [slots.count] + generator.sampleShape
        snapshots[generation] = NoiseSearchSnapshot(winners: winners.map { ScoredNoise(noise: $0.noise, score: $0.score, key: $0.key) },
                                                    images: Tensor(winners.flatMap(\.image), shape: shape),
                                                    early: wantsEarly ? Tensor(winners.flatMap { $0.early! }, shape: shape) : nil,
                                                    generated: generated, verifier: verifier.cost, seconds: Date().timeIntervalSince(start),
                                                    trace: trace, wantsEarly: wantsEarly)
    }
}
