import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `gradient` on the tiny model with clf-mlp (and self-similarity): the analytic gradient of the whole sampler +
/// verifier chain against central finite differences (with guidance), the ledger by hand, the best
/// iterate never worsening, invariance over thread counts, and its refusals.
@Suite(.serialized) struct GradientSearchTests {
    static func search(_ iterations: [Int], _ configure: (inout GradientSearch.Parameters) -> Void = { _ in }) throws -> GradientSearch {
        var p = GradientSearch.Parameters()
        configure(&p)
        return try GradientSearch(p, budgets: iterations)
    }

    static let settings = SearchTestSupport.settings(search: 2, final: 3)

    /// The differentiable verifiers on the shipped networks.
    static func verifier(_ name: String) throws -> DifferentiableVerifier {
        switch name {
        case "self-similarity": return SelfSimilarityVerifier(network: try VerifierTestSupport.classifier("clf-vit"))
        default: return ClassLogitVerifier(name: name, classifier: try VerifierTestSupport.classifier(name))
        }
    }

    @Test(arguments: ["clf-mlp", "self-similarity"])
    func analyticGradientMatchesFiniteDifferences(verifier: String) throws {
        // Three Heun steps: the early prediction (t = 0.6's nearest step) is read mid-solve.
        let settings = SearchTestSupport.settings(search: 3, final: 3, guidance: 1.5)
        let context = try SearchTestSupport.context(settings)
        let task = SearchTask(classes: [3], perClass: 1)
        let run = GradientRun(parameters: GradientSearch.Parameters(), task: task, verifier: try Self.verifier(verifier), context: context)
        let z = Philox(seed: 11).normals(run.per)
        let analytic = try run.evaluate([z], gradient: true).gradients[0]
        #expect(analytic.contains { $0 != 0 })
        // The coordinates with the largest gradients, where a finite difference is meaningful in Float.
        let checked = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(6)
        let h: Float = 1e-2
        let scale = analytic.map { abs(Double($0)) }.max()!
        for j in checked {
            var plus = z, minus = z
            plus[j] += h
            minus[j] -= h
            let up = try run.evaluate([plus], gradient: false).scores[0], down = try run.evaluate([minus], gradient: false).scores[0]
            let numeric = (up - down) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[j])) <= 0.02 * abs(Double(analytic[j])) + 1e-3 * max(scale, 1e-2),
                    "\(verifier), coordinate \(j): analytic \(analytic[j]), finite difference \(numeric)")
        }
    }

    /// The score on the differentiated solve is the verifier's own score of the same images.
    @Test func differentiableScoresEqualTheVerifierScores() throws {
        let test = try #require(VerifierTestSupport.test)
        let images = VerifierTestSupport.images(test, [0, 1, 2]), early = VerifierTestSupport.images(test, [3, 4, 5])
        let labels = [2, 7, 9]
        for name in ["clf-vit", "self-similarity"] {
            let verifier = try Self.verifier(name)
            let batch = CandidateBatch(images: images, labels: labels, earlyPrediction: early)
            let direct = try verifier.score(batch)
            let onGraph = try withNoGrad { try verifier.differentiableScores(images: images, early: early, labels: labels) }
            for (a, b) in zip(direct, onGraph.data) { #expect(abs(a - Double(b)) <= 1e-4 * max(1, abs(a)), "\(name): \(a) vs \(b)") }
            #expect(verifier.cost.forwardPasses == (name == "clf-vit" ? 6 : 12))
        }
    }

    @Test func ledgerMatchesAHandCountAndTheBestNeverWorsens() throws {
        let outcomes = try SearchEngine.run(try Self.search([0, 1, 3]), task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(Self.settings))
        for (outcome, k) in zip(outcomes, [0, 1, 3]) {
            // Iterates 0…k generated with 2 Heun steps (3 passes) and scored; k backward passes
            // through the sampler; the best re-generated with 3 steps (5 passes).
            let l = outcome.ledger
            #expect(l.searchPasses == (k == 0 ? 0 : 6 * (k + 1) * 3) && l.finalPasses == 6 * 5, "k = \(k)")
            #expect(l.verifierPasses == (k == 0 ? 0 : 6 * (k + 1)) && l.backwardPasses == 6 * k * 3, "k = \(k)")
            #expect(outcome.trace.count == k)
        }
        #expect(outcomes[0].noSearch && outcomes[0].ledger.record.backwardPasses == nil)
        #expect(outcomes[2].ledger.record.nfeEquivalentPerSample == (Double(3 * 4 + 5) + Ledger.backwardCostRatio * 9))
        let best = outcomes.dropFirst().map { $0.chosen.map { $0.searchScore! } }
        #expect(zip(best[0], best[1]).allSatisfy { $0 <= $1 }, "the best iterate is kept")
        #expect(outcomes[2].meanScore > outcomes[0].meanScore, "ascending the verifier raises its score")
    }

    /// Ascending self-similarity (early prediction read on the differentiated solve) raises it, and
    /// each iterate costs two verifier passes per slot (early prediction and sample).
    @Test func selfSimilarityAscends() throws {
        let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3), verifier: "self-similarity")
        let outcomes = try SearchEngine.run(try Self.search([0, 4]) { $0.learningRate = 0.2 }, task: SearchTestSupport.task, context: context)
        #expect(outcomes[1].ledger.verifierPasses == 6 * 5 * 2)
        #expect(outcomes[1].meanScore > outcomes[0].meanScore, "ascending self-similarity raises it")
    }

    /// The backward pass's input gradients run on products whose rows do not depend on the thread
    /// count (`Tensor.rowStableProduct`: OpenBLAS's Haswell kernels split some products differently
    /// with one thread than with two), so the gradient search's bits do not either (with the
    /// classifiers' verifiers; a convolution's input gradient still runs on OpenBLAS).
    @Test func resultsDoNotDependOnThreads() throws {
        let search = try Self.search([2]) { $0.optimizer = .sgd; $0.regularizer = .norm; $0.learningRate = 0.5 }
        try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.settings, runs: [(256, 1), (256, 2)])
    }

    @Test func projectionKeepsTheNoiseOnItsShell() throws {
        var p = GradientSearch.Parameters()
        p.learningRate = 0.5
        let context = try SearchTestSupport.context(Self.settings)
        let run = GradientRun(parameters: p, task: SearchTestSupport.task, verifier: try Self.verifier("clf-mlp"), context: context)
        var m = [Float](repeating: 0, count: run.per), v = m
        let z = Philox(seed: 2).normals(run.per), g = Philox(seed: 3).normals(run.per)
        let stepped = run.step(z, gradient: g, m: &m, v: &v, t: 1, dimension: Float(run.per))
        let norm = stepped.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - Double(run.per).squareRoot()) < 1e-3 * norm)
        #expect(zip(stepped, z).contains { $0 != $1 })
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SearchError.self) { try Self.search([1]) { $0.learningRate = 0 } }
        #expect(throws: SearchError.self) { try Self.search([-1]) }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([1]), task: SearchTestSupport.task,
                                 context: try SearchTestSupport.context(SearchTestSupport.settings(solver: .sde)))
        }
    }
}
