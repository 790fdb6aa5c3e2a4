import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `beam` on the tiny model: the ledger by hand (with and without look-ahead), B = K = 1 as plain
/// SDE sampling, bit-identical results over batch sizes and thread counts, and its refusals.
@Suite(.serialized) struct BeamSearchTests {
    static func search(_ beams: [Int], _ configure: (inout BeamSearch.Parameters) -> Void = { _ in }) throws -> BeamSearch {
        var p = BeamSearch.Parameters()
        configure(&p)
        return try BeamSearch(p, budgets: beams)
    }

    static let sde = SearchTestSupport.settings(search: 7, final: 7, solver: .sde)

    @Test func ledgerMatchesAHandCount() throws {
        // 7 SDE steps, blocks of 2: branching after steps 2 and 4 (6 is the last stochastic step's
        // end, where the final block to data starts instead), so blocks end at 2, 4, 7 → 3 rounds.
        #expect(try Self.search([2]).parameters.branchSteps(steps: 7) == [2, 4])
        let outcomes = try SearchEngine.run(try Self.search([2, 3]) { $0.candidates = 2 }, task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(Self.sde))
        for (outcome, b) in zip(outcomes, [2, 3]) {
            // B·K continuations follow every step of the trajectory; B·K scored per round.
            #expect(outcome.ledger.searchPasses == 6 * b * 2 * 7 && outcome.ledger.finalPasses == 0)
            #expect(outcome.ledger.verifierPasses == 6 * b * 2 * 3)
            #expect(outcome.trace.count == 3)
        }
        // Look-ahead of 3 Euler steps after each of the 2 inner blocks, for all B·K continuations.
        let ahead = try SearchEngine.run(try Self.search([2]) { $0.lookahead = 3 }, task: SearchTestSupport.task,
                                         context: try SearchTestSupport.context(Self.sde))[0]
        #expect(ahead.ledger.searchPasses == 6 * 4 * 7 + 6 * 4 * 3 * 2)
    }

    @Test func oneBeamOneCandidateIsPlainSampling() throws {
        let outcome = try SearchEngine.run(try Self.search([1]) { $0.candidates = 1 }, task: SearchTestSupport.task,
                                           context: try SearchTestSupport.context(Self.sde))[0]
        #expect(outcome.noSearch && outcome.ledger.searchPasses == 0 && outcome.ledger.finalPasses == 6 * 7 && outcome.ledger.verifierPasses == 0)
        let plain = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .sde, steps: 7, seed: Self.sde.seed)
            .generate(SearchTestSupport.task.slots).images
        #expect(outcome.images.data == plain.data)
    }

    @Test func resultsDoNotDependOnBatchSizeOrThreads() throws {
        let search = try Self.search([3]) { $0.lookahead = 2 }
        let reference = try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.sde, runs: [(256, 2), (5, 1), (1, 2)])
        // Every chosen key is a continuation of its own slot.
        #expect(zip(reference.chosen, SearchTestSupport.task.slots).allSatisfy { $0.key.classIndex == $1.classIndex && $0.key.sample == $1.sample })
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SearchError.self) { try Self.search([0]) }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.every = 0 } }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.lookahead = -1 } }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([2]), task: SearchTestSupport.task, context: try SearchTestSupport.context(SearchTestSupport.settings()))
        }
    }
}
