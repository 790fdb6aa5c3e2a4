import Testing
import SiftModels
import SiftNN
import SiftTensor
@testable import SiftSearch

/// A tiny SiT with every weight nudged off its zero initialisation, so its velocity is non-zero
/// and candidates differ — fast enough for exhaustive search tests.
enum SearchTestSupport {
    nonisolated(unsafe) static let model: SiT = {
        var config = SiTConfig(name: "tiny", depth: 2, width: 32, heads: 2)
        config.patch = 4
        let model = SiT(config, seed: 1)
        model.perturbWeights(scale: 0.05, seed: 77)
        return model
    }()

    static func settings(search: Int = 2, final: Int = 3, guidance: Float = 1, solver: Solver = .heun) -> SamplingSettings {
        var s = SamplingSettings()
        s.solver = solver
        s.searchSteps = search
        s.finalSteps = final
        s.guidance = guidance
        s.seed = 5
        return s
    }

    static func context(_ settings: SamplingSettings, verifier: String = "clf-mlp", batchSize: Int = 256) throws -> SearchContext {
        let net = try VerifierTestSupport.classifier(verifier == "clf-vit" ? "clf-vit" : "clf-mlp")
        let context = SearchContext(model: model, settings: settings) {
            switch verifier {
            case "mean-rank": return try EnsembleVerifier(members: [ClassLogitVerifier(name: "clf-mlp", classifier: net),
                                                                    InceptionOracleVerifier(evaluationNetwork: net)], rule: .meanRank)
            case "self-similarity": return SelfSimilarityVerifier(network: net)
            default: return ClassLogitVerifier(name: verifier, classifier: net)
            }
        }
        context.batchSize = batchSize
        return context
    }

    static let task = SearchTask(classes: [1, 7], perClass: 3)

    /// Runs `search` on ``task`` with `settings` at each (batch size, thread count) and expects the
    /// same images, bit for bit, and the same choices as the first; then runs it in chunks of
    /// slots, as a resumed cell does (each class's first sample, then its others), and expects the
    /// joined outcome to be the same too. Returns the first outcome.
    @discardableResult
    static func expectSameOverBatchesAndThreads<A: SearchAlgorithm>(_ search: A, settings: SamplingSettings,
                                                                  runs: [(batch: Int, threads: Int)]) throws -> SearchOutcome {
        let saved = Threads.count
        defer { Threads.set(saved) }
        var reference: SearchOutcome?
        for (batch, threads) in runs {
            Threads.set(threads)
            let outcome = try SearchEngine.run(search, task: task, context: try context(settings, batchSize: batch))[0]
            if let reference {
                #expect(outcome.images.data.map(\.bitPattern) == reference.images.data.map(\.bitPattern), "batch \(batch), threads \(threads)")
                #expect(outcome.chosen == reference.chosen, "batch \(batch), threads \(threads)")
            } else {
                reference = outcome
            }
        }
        Threads.set(runs[0].threads)
        let chunks = task.classes.flatMap { c in [0..<1, 1..<task.samples.upperBound].map { task.chunk(classIndex: c, samples: $0) } }
        let parts = try chunks.map { try SearchEngine.run(search, task: $0, context: try context(settings, batchSize: runs[0].batch))[0] }
        let joined = SearchOutcome.joining(parts), whole = reference!
        #expect(joined.images.data.map(\.bitPattern) == whole.images.data.map(\.bitPattern), "in chunks of slots")
        #expect(joined.chosen == whole.chosen, "in chunks of slots")
        #expect(joined.ledger.totalPasses == whole.ledger.totalPasses && joined.ledger.verifierPasses == whole.ledger.verifierPasses
                && joined.ledger.backwardPasses == whole.ledger.backwardPasses, "in chunks of slots: the ledger")
        return whole
    }
}
