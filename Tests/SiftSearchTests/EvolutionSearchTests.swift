import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `evolution` on the tiny model: the ledger by hand, elitism (the best never gets worse with more
/// generations), a sweep equal to separate runs, bit-identical results over batch sizes and
/// threads, P = 1 without generations as plain sampling, and its refusals.
@Suite(.serialized) struct EvolutionSearchTests {
    static func search(_ generations: [Int], _ configure: (inout EvolutionSearch.Parameters) -> Void = { _ in }) throws -> EvolutionSearch {
        var p = EvolutionSearch.Parameters()
        p.population = 4
        p.elites = 1
        configure(&p)
        return try EvolutionSearch(p, budgets: generations)
    }

    static let settings = SearchTestSupport.settings(search: 2, final: 3)

    @Test func ledgerMatchesAHandCountAndTheBestNeverWorsens() throws {
        // P = 4, E = 1: 4 + 3·G candidates per slot with 2 Heun steps (3 calls), each scored once;
        // the winner re-generated with 3 steps (5 calls).
        let outcomes = try SearchEngine.run(try Self.search([0, 1, 3]), task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(Self.settings))
        for (outcome, g) in zip(outcomes, [0, 1, 3]) {
            #expect(outcome.ledger.searchPasses == 6 * (4 + 3 * g) * 3 && outcome.ledger.finalPasses == 6 * 5)
            #expect(outcome.ledger.verifierPasses == 6 * (4 + 3 * g))
            #expect(outcome.trace.count == g)
        }
        let best = outcomes.map { $0.chosen.map { $0.searchScore! } }
        for (a, b) in zip(best, best.dropFirst()) { #expect(zip(a, b).allSatisfy { $0 <= $1 }, "elites keep every slot's best") }
        // One run of the sweep reports what separate runs would.
        let alone = try SearchEngine.run(try Self.search([1]), task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.settings))[0]
        #expect(alone.chosen == outcomes[1].chosen && alone.images.data == outcomes[1].images.data)
    }

    @Test func onePlainIndividualIsPlainSampling() throws {
        let outcome = try SearchEngine.run(try Self.search([0]) { $0.population = 1; $0.elites = 0 }, task: SearchTestSupport.task,
                                           context: try SearchTestSupport.context(Self.settings))[0]
        #expect(outcome.noSearch && outcome.ledger.searchPasses == 0 && outcome.ledger.verifierPasses == 0 && outcome.ledger.finalPasses == 6 * 5)
        let plain = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .heun, steps: 3, seed: Self.settings.seed)
            .generate(SearchTestSupport.task.slots).images
        #expect(outcome.images.data == plain.data)
    }

    @Test func resultsDoNotDependOnBatchSizeOrThreads() throws {
        let search = try Self.search([2]) { $0.mutation = 0.3 }
        try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.settings, runs: [(256, 2), (5, 1), (1, 2)])
    }

    @Test func childrenStayStandardNormal() throws {
        // √(1 − β²)·parent + β·ε keeps the variance of a standard-normal parent: after three
        // generations of β = 0.6 every individual's noise still has mean square ≈ 1.
        let search = try Self.search([3]) { $0.mutation = 0.6 }
        let context = try SearchTestSupport.context(Self.settings)
        let run = EvolutionRun(search: search, task: SearchTestSupport.task, verifier: try context.makeVerifier(), context: context)
        try run.evolve(through: 3, reporting: [3])
        let children = run.populations.flatMap { $0 }.filter { $0.key.candidate >= EvolutionSearch.childKeyBase }
        #expect(!children.isEmpty)
        for child in children {
            let meanSquare = child.noise.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(child.noise.count)
            #expect(abs(meanSquare - 1) < 0.2, "\(child.key): \(meanSquare)")
        }
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SearchError.self) { try Self.search([1]) { $0.elites = 4 } }
        #expect(throws: SearchError.self) { try Self.search([1]) { $0.mutation = 0 } }
        #expect(throws: SearchError.self) { try Self.search([-1]) }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([1]), task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.settings, verifier: "mean-rank"))
        }
    }
}
