import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `tree` on the tiny model: the ledger by hand (a chain and a fan), one roll-out as plain SDE
/// sampling, a wide root as best-of-N over SDE samples, the best never worsening with more
/// roll-outs, soft values, bit-identical results over batch sizes and thread counts, refusals.
@Suite(.serialized) struct TreeSearchTests {
    static func search(_ rollouts: [Int], _ configure: (inout TreeSearch.Parameters) -> Void = { _ in }) throws -> TreeSearch {
        var p = TreeSearch.Parameters()
        configure(&p)
        return try TreeSearch(p, budgets: rollouts)
    }

    /// 4 SDE steps, levels every 2 steps: boundaries 0, 2 and data (4).
    static let sde = SearchTestSupport.settings(search: 4, final: 4, solver: .sde)

    @Test func ledgerOfAChainMatchesAHandCount() throws {
        #expect(try Self.search([1]) { $0.every = 2 }.parameters.levels(steps: 4) == [0, 2, 4])
        // Branching 1: roll-out 1 grows noise A (4 passes), 2 grows A's child at step 2 (segment 0→2
        // and roll-out 2→4: 4), 3 grows its child at data (segment 2→4: 2), 4 another one there (2).
        let outcomes = try SearchEngine.run(try Self.search([1, 2, 3, 4]) { $0.every = 2; $0.branching = 1 }, task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(Self.sde))
        for (outcome, passes) in zip(outcomes, [4, 8, 10, 12]) {
            let l = outcome.ledger
            #expect((outcome.noSearch ? l.finalPasses : l.searchPasses) == 6 * passes, "\(outcome.budget) roll-outs")
            #expect(l.verifierPasses == (outcome.noSearch ? 0 : 6 * outcome.budget))
            #expect(outcome.trace.count == outcome.budget - 1)
        }
        let best = outcomes.dropFirst().map { $0.chosen.map { $0.searchScore! } }
        for (a, b) in zip(best, best.dropFirst()) { #expect(zip(a, b).allSatisfy { $0 <= $1 }, "the best sample is kept") }
    }

    @Test func oneRolloutIsPlainSamplingAndAWideRootIsBestOfN() throws {
        let context = try SearchTestSupport.context(Self.sde)
        let outcomes = try SearchEngine.run(try Self.search([1, 5]) { $0.branching = 5 }, task: SearchTestSupport.task, context: context)
        #expect(outcomes[0].noSearch && outcomes[0].ledger.finalPasses == 6 * 4)
        let generator = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .sde, steps: 4, seed: Self.sde.seed)
        #expect(outcomes[0].images.data == generator.generate(SearchTestSupport.task.slots).images.data)
        // Five roll-outs from a root that may hold five children: five independent SDE samples
        // (candidates 0…4, 4 passes each), the best by the verifier chosen.
        #expect(outcomes[1].ledger.searchPasses == 6 * 5 * 4)
        let verifier = try context.makeVerifier()
        for (i, slot) in SearchTestSupport.task.slots.enumerated() {
            let keys = (0..<5).map { CandidateKey(classIndex: slot.classIndex, sample: slot.sample, candidate: $0) }
            let images = generator.generate(keys).images
            let scores = try verifier.score(CandidateBatch(images: images, labels: keys.map(\.classIndex)))
            let winner = scores.indices.max { scores[$0] < scores[$1] }!
            #expect(outcomes[1].chosen[i].key == keys[winner])
        }
    }

    @Test func softValuesInterpolateMeanAndMax() throws {
        let values = [0.2, 1.0, 0.5]
        func value(_ lambda: Double) throws -> Double {
            TreeRun(parameters: try Self.search([1]) { $0.lambda = lambda }.parameters, task: SearchTestSupport.task,
                    context: try SearchTestSupport.context(Self.sde)).softValue(values)
        }
        #expect(abs(try value(0) - 17.0 / 30.0) < 1e-12)
        #expect(abs(try value(1e6) - 1.0) < 1e-5)
        let middle = try value(3)
        #expect(middle > 17.0 / 30.0 && middle < 1.0)
        #expect(CumulativeWeights([1, 3]).index(0.2) == 0 && CumulativeWeights([1, 3]).index(0.3) == 1)
    }

    @Test func resultsDoNotDependOnBatchSizeOrThreads() throws {
        let search = try Self.search([7]) { $0.every = 1; $0.branching = 2; $0.lambda = 2 }
        let reference = try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.sde, runs: [(256, 2), (5, 1), (1, 2)])
        #expect(zip(reference.chosen, SearchTestSupport.task.slots).allSatisfy { $0.key.classIndex == $1.classIndex && $0.key.sample == $1.sample })
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SearchError.self) { try Self.search([0]) }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.branching = 0 } }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.lambda = -1 } }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([2]), task: SearchTestSupport.task, context: try SearchTestSupport.context(SearchTestSupport.settings()))
        }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([2]), task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.sde, verifier: "mean-rank"))
        }
    }
}
