import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

@Suite(.serialized) struct RandomSearchTests {
    @Test func oneCandidateIsThePlainSampleWithoutSearchCost() throws {
        let settings = SearchTestSupport.settings()
        let context = try SearchTestSupport.context(settings)
        let outcome = try SearchEngine.run(try RandomSearch(candidates: [1]), task: SearchTestSupport.task, context: context)[0]
        let plain = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .heun, steps: settings.finalSteps, seed: settings.seed)
            .generate(SearchTestSupport.task.slots).images
        #expect(outcome.images.data == plain.data)
        #expect(outcome.ledger.searchPasses == 0 && outcome.ledger.verifierPasses == 0)
        #expect(outcome.ledger.finalPasses == 6 * 5)  // 6 slots × Heun 3 steps (5 calls)
        #expect(outcome.finalScores?.count == 6)
    }

    @Test func prefixesOfOnePoolEqualSeparateRuns() throws {
        let settings = SearchTestSupport.settings()
        let shared = try SearchEngine.run(try RandomSearch(candidates: [1, 2, 5]), task: SearchTestSupport.task,
                                          context: try SearchTestSupport.context(settings))
        for outcome in shared {
            let alone = try SearchEngine.run(try RandomSearch(candidates: [outcome.budget]), task: SearchTestSupport.task,
                                             context: try SearchTestSupport.context(settings))[0]
            #expect(alone.images.data == outcome.images.data, "N = \(outcome.budget)")
            #expect(alone.chosen == outcome.chosen)
            #expect(alone.ledger.searchPasses == outcome.ledger.searchPasses && alone.ledger.finalPasses == outcome.ledger.finalPasses)
            #expect(alone.ledger.verifierPasses == outcome.ledger.verifierPasses && alone.ledger.verifierFLOPs == outcome.ledger.verifierFLOPs)
        }
    }

    @Test func bestScoreIsNonDecreasingInN() throws {
        let outcomes = try SearchEngine.run(try RandomSearch(candidates: [2, 4, 8]), task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3)))
        for slot in 0..<SearchTestSupport.task.count {
            let scores = outcomes.map { $0.chosen[slot].searchScore! }
            #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 <= $1 }, "slot \(slot): \(scores)")
        }
        let trace = outcomes.last!.trace
        #expect(trace.count == 8 && zip(trace, trace.dropFirst()).allSatisfy { $0 <= $1 })
        // With equal step counts the winner is reused: its final score is its search score.
        for o in outcomes { #expect(o.finalScores! == o.chosen.map { $0.searchScore! }) }
    }

    @Test func searchRaisesTheMeanVerifierScore() throws {
        let outcomes = try SearchEngine.run(try RandomSearch(candidates: [1, 8]), task: SearchTask(classes: Array(0..<10), perClass: 2),
                                            context: try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3)))
        #expect(outcomes[1].meanScore > outcomes[0].meanScore + 0.1, "\(outcomes.map(\.meanScore))")
    }

    @Test func resultsDoNotDependOnBatchSizeOrThreads() throws {
        let settings = SearchTestSupport.settings()
        let reference = try SearchEngine.run(try RandomSearch(candidates: [3]), task: SearchTestSupport.task,
                                             context: try SearchTestSupport.context(settings))[0]
        let threads = Threads.count
        defer { Threads.set(threads) }
        for (batch, t) in [(1, threads), (4, 1), (7, threads)] {
            Threads.set(t)
            let other = try SearchEngine.run(try RandomSearch(candidates: [3]), task: SearchTestSupport.task,
                                             context: try SearchTestSupport.context(settings, batchSize: batch))[0]
            #expect(other.images.data == reference.images.data, "batch \(batch), \(t) threads")
            #expect(other.chosen == reference.chosen)
        }
    }

    @Test func ledgerMatchesAHandCount() throws {
        // 6 slots, N = 3, Heun 2 search steps (3 calls) and 3 final steps (5 calls), guidance 2 (×2).
        let context = try SearchTestSupport.context(SearchTestSupport.settings(search: 2, final: 3, guidance: 2))
        let outcomes = try SearchEngine.run(try RandomSearch(candidates: [1, 3]), task: SearchTestSupport.task, context: context)
        let flops = Double(SearchTestSupport.model.config.forwardFLOPs)
        let mlp = Double(try VerifierTestSupport.classifier("clf-mlp").forwardFLOPs)
        #expect(outcomes[0].ledger.searchPasses == 0 && outcomes[0].ledger.finalPasses == 6 * 5 * 2)
        #expect(outcomes[1].ledger.searchPasses == 6 * 3 * 3 * 2)
        #expect(outcomes[1].ledger.finalPasses == 6 * 5 * 2)
        #expect(outcomes[1].ledger.verifierPasses == 6 * 3)
        #expect(outcomes[1].ledger.searchFLOPs == Double(6 * 3 * 3 * 2) * flops)
        #expect(outcomes[1].ledger.verifierFLOPs == 18 * mlp)
        #expect(outcomes[1].ledger.nfePerSample == Double(3 * 3 * 2 + 5 * 2))
        // Equal steps: the winner is reused, so N candidates cost N generations in all.
        let reuse = try SearchEngine.run(try RandomSearch(candidates: [3]), task: SearchTestSupport.task,
                                         context: try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3)))[0]
        #expect(reuse.ledger.searchPasses == 6 * 2 * 5 && reuse.ledger.finalPasses == 6 * 5)
    }

    @Test func poolRelativeVerifiersRankWithinEachBudget() throws {
        let outcomes = try SearchEngine.run(try RandomSearch(candidates: [2, 4]), task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(SearchTestSupport.settings(), verifier: "mean-rank"))
        #expect(outcomes.allSatisfy { $0.finalScores == nil })
        #expect(outcomes[1].ledger.verifierPasses == 6 * 4 * 2)   // two members, 4 candidates each
        #expect(outcomes[0].ledger.verifierPasses == 6 * 2 * 2)
    }
}
