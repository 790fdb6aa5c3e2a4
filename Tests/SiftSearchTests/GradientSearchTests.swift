import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `gradient` on the tiny model with clf-mlp: the analytic gradient of the whole sampler +
/// verifier chain against central finite differences (with guidance), the ledger by hand, the best
/// iterate never worsening, invariance over thread counts, and its refusals.
@Suite(.serialized) struct GradientSearchTests {
    static func search(_ iterations: [Int], _ configure: (inout GradientSearch.Parameters) -> Void = { _ in }) throws -> GradientSearch {
        var p = GradientSearch.Parameters()
        configure(&p)
        return try GradientSearch(p, budgets: iterations)
    }

    static let settings = SearchTestSupport.settings(search: 2, final: 3)

    @Test func analyticGradientMatchesFiniteDifferences() throws {
        let settings = SearchTestSupport.settings(search: 2, final: 2, guidance: 1.5)
        let context = try SearchTestSupport.context(settings)
        let task = SearchTask(classes: [3], perClass: 1)
        let run = GradientRun(parameters: GradientSearch.Parameters(), task: task, classifier: try VerifierTestSupport.classifier("clf-mlp"),
                              context: context)
        let z = Philox(seed: 11).normals(run.per)
        let analytic = run.evaluate([z], gradient: true).gradients[0]
        // The coordinates with the largest gradients, where a finite difference is meaningful in Float.
        let checked = analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(6)
        let h: Float = 1e-2
        for j in checked {
            var plus = z, minus = z
            plus[j] += h
            minus[j] -= h
            let up = run.evaluate([plus], gradient: false).scores[0], down = run.evaluate([minus], gradient: false).scores[0]
            let numeric = (up - down) / Double(2 * h)
            #expect(abs(numeric - Double(analytic[j])) <= 0.02 * abs(Double(analytic[j])) + 1e-3,
                    "coordinate \(j): analytic \(analytic[j]), finite difference \(numeric)")
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

    @Test func resultsDoNotDependOnThreads() throws {
        let search = try Self.search([2]) { $0.optimizer = .sgd; $0.regularizer = .norm; $0.learningRate = 0.5 }
        try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.settings, runs: [(256, 1), (256, 2)])
    }

    @Test func projectionKeepsTheNoiseOnItsShell() throws {
        var p = GradientSearch.Parameters()
        p.learningRate = 0.5
        let context = try SearchTestSupport.context(Self.settings)
        let run = GradientRun(parameters: p, task: SearchTestSupport.task, classifier: try VerifierTestSupport.classifier("clf-mlp"), context: context)
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
