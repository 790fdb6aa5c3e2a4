import Foundation
import SiftModels
import SiftTensor

/// The trees of one tree search, one per slot, grown one roll-out per slot at a time (the slots'
/// new nodes solved together, batched by level), with a snapshot after each reported count.
final class TreeRun {
    /// A node: a partial trajectory at a level boundary (index 0 of a tree is its root, above the
    /// initial noises), its soft value, and its state (kept while it can still grow children).
    struct Node {
        let level: Int
        let key: CandidateKey
        let parent: Int
        var children = [Int]()
        var value = 0.0
    }

    let parameters: TreeSearch.Parameters
    let task: SearchTask
    let context: SearchContext
    let segments: SDESegments
    let levels: [Int]
    let shape: [Int]
    var trees: [[Node]]
    /// States `(perSample)` of the nodes by (slot, node); empty for the root and for samples.
    var states: [[Int: [Float]]]

    init(parameters: TreeSearch.Parameters, task: SearchTask, context: SearchContext) {
        self.parameters = parameters
        self.task = task
        self.context = context
        let generator = context.generator(steps: 1)
        segments = SDESegments(solver: generator.segments, steps: context.settings.searchSteps)
        levels = parameters.levels(steps: segments.steps)
        shape = generator.sampleShape
        trees = task.slots.map { [Node(level: -1, key: $0, parent: -1)] }
        states = task.slots.map { _ in [:] }
    }

    var noise: GenerationNoise { segments.solver.noise }
    /// The level of finished samples (data).
    var dataLevel: Int { levels.count - 1 }

    func run(budgets: [Int], verifier: Verifier, for search: TreeSearch) throws -> [SearchOutcome] {
        let s = task.count, start = Date(), passesBefore = context.denoiser.forwardPasses
        var best = [(score: Double, key: CandidateKey, image: [Float])?](repeating: nil, count: s)
        var trace = [Double](), outcomes = [Int: SearchOutcome]()
        for rollout in 1...(budgets.max() ?? 1) {
            let grown = (0..<s).map { grow(slot: $0, rollout: rollout) }
            let samples = try solve(grown)
            let per = samples.count / max(s, 1)
            let scores = try verifier.score(CandidateBatch(images: samples, labels: task.slots.map(\.classIndex),
                                                           pools: (0..<s).map { $0..<($0 + 1) }))
            for i in 0..<s {
                backUp(slot: i, node: grown[i], reward: scores[i])
                if best[i].map({ scores[i] > $0.score }) ?? true {
                    best[i] = (scores[i], trees[i][grown[i]].key, Array(samples.data[(i * per)..<((i + 1) * per)]))
                }
            }
            if rollout > 1 { trace.append(mean(best.map { $0!.score })) }
            if budgets.contains(rollout) {
                let searched = rollout > 1
                let ledger = Ledger.measured(samples: s, context: context, passesBefore: passesBefore, searched: searched,
                                             verifier: searched ? verifier.cost : VerifierCost(), since: start)
                let chosen = best.map { ChosenSample(key: $0!.key, searchScore: searched ? $0!.score : nil) }
                outcomes[rollout] = search.outcome(budget: rollout, images: Tensor(best.flatMap { $0!.image }, shape: [s] + shape), early: nil,
                                                   chosen: chosen, trace: trace, ledger: ledger)
            }
        }
        return budgets.map { outcomes[$0]! }
    }

    /// Whether `node` grows a new child on this visit: it has room, or every child is a sample.
    func grows(_ node: Node, in tree: [Node]) -> Bool {
        node.children.count < parameters.branching || node.children.allSatisfy { tree[$0].level == dataLevel }
    }

    /// Descends slot `slot`'s tree from the root and adds the child the descent grows; returns its index.
    func grow(slot: Int, rollout: Int) -> Int {
        var at = 0, depth = 0
        while !grows(trees[slot][at], in: trees[slot]) {
            let open = trees[slot][at].children.filter { trees[slot][$0].level < dataLevel }
            let top = open.map { trees[slot][$0].value }.max()!
            let weights = open.map { Foundation.exp(parameters.lambda * (trees[slot][$0].value - top)) }
            let key = trees[slot][0].key
            let u = Double(noise.stream(.treeDraw, classIndex: key.classIndex, sample: key.sample, candidate: rollout, UInt64(depth)).uniform(at: 0))
            at = open[CumulativeWeights(weights).index(u)]
            depth += 1
        }
        let root = trees[slot][0].key
        let child = Node(level: trees[slot][at].level + 1,
                         key: CandidateKey(classIndex: root.classIndex, sample: root.sample, candidate: trees[slot].count - 1), parent: at)
        trees[slot].append(child)
        trees[slot][at].children.append(trees[slot].count - 1)
        return trees[slot].count - 1
    }

    /// Solves each slot's new node `grown[slot]`: its segment from its parent's boundary (a fresh
    /// keyed noise at level 0), its state kept, then its roll-out to data. Returns the samples
    /// `(S, C, H, W)`.
    func solve(_ grown: [Int]) throws -> Tensor {
        let s = grown.count, per = noise.perSample
        var samples = [[Float]](repeating: [], count: s)
        for level in Set(grown.enumerated().map { trees[$0.offset][$0.element].level }).sorted() {
            let slots = (0..<s).filter { trees[$0][grown[$0]].level == level }
            let keys = slots.map { trees[$0][grown[$0]].key }
            let reached: Tensor
            if level == 0 {
                reached = Tensor(keys.flatMap { noise.initial(classIndex: $0.classIndex, sample: $0.sample, candidate: $0.candidate) },
                                 shape: [slots.count] + shape)
            } else {
                let parents = Tensor(slots.flatMap { states[$0][trees[$0][grown[$0]].parent]! }, shape: [slots.count] + shape)
                reached = segments.solve(parents, keys: keys, from: levels[level - 1], to: levels[level], predictAtEnd: false).state
            }
            let final = level == dataLevel ? reached : segments.solve(reached, keys: keys, from: levels[level], to: segments.steps, predictAtEnd: false).state
            for (row, slot) in slots.enumerated() {
                if level < dataLevel { states[slot][grown[slot]] = Array(reached.data[(row * per)..<((row + 1) * per)]) }
                samples[slot] = Array(final.data[(row * per)..<((row + 1) * per)])
            }
        }
        return Tensor(samples.flatMap { $0 }, shape: [s] + shape)
    }

    /// Sets the new node's value to its reward and refreshes its ancestors' soft values.
    func backUp(slot: Int, node: Int, reward: Double) {
        trees[slot][node].value = reward
        var at = trees[slot][node].parent
        while at >= 0 {
            trees[slot][at].value = softValue(trees[slot][at].children.map { trees[slot][$0].value })
            at = trees[slot][at].parent
        }
    }

    /// (1/λ)·log mean exp(λ·v) (the mean when λ = 0), computed about the maximum.
    func softValue(_ values: [Double]) -> Double {
        let lambda = parameters.lambda
        guard lambda > 0 else { return mean(values) }
        let top = values.max()!
        return top + Foundation.log(values.reduce(0) { $0 + Foundation.exp(lambda * ($1 - top)) } / Double(values.count)) / lambda
    }
}
