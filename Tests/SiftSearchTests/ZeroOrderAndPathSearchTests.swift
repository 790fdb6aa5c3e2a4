import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

@Suite(.serialized) struct ZeroOrderSearchTests {
    @Test func neighboursKeepTheNormAndTheCosine() {
        let pivot = Philox(seed: 1).normals(784), direction = Philox(seed: 2).normals(784)
        let y = ZeroOrderSearch.neighbour(of: pivot, direction: direction, tau: 0.95)
        let norm = { (v: [Float]) in v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let cosine = zip(pivot, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (norm(pivot) * norm(y))
        #expect(abs(norm(y) - norm(pivot)) < 1e-3 * norm(pivot))
        #expect(abs(cosine - 0.95) < 1e-5)
        #expect(ZeroOrderSearch.neighbour(of: pivot, direction: direction, tau: 1).elementsEqual(pivot) { abs($0 - $1) < 1e-5 })
    }

    @Test func tauOneNeverMoves() throws {
        let settings = SearchTestSupport.settings(search: 3, final: 3)
        let outcomes = try SearchEngine.run(try ZeroOrderSearch(neighbours: 3, iterations: [0, 1, 3], tau: 1),
                                            task: SearchTestSupport.task, context: try SearchTestSupport.context(settings))
        let plain = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .heun, steps: 3, seed: settings.seed)
            .generate(SearchTestSupport.task.slots).images
        for o in outcomes {
            #expect(o.chosen.allSatisfy { $0.key.candidate == 0 }, "iteration \(o.budget)")
            #expect(o.images.data == plain.data)
        }
    }

    @Test func bestScoreIsNonDecreasingOverIterations() throws {
        for restart in [false, true] {
            let outcomes = try SearchEngine.run(try ZeroOrderSearch(neighbours: 2, iterations: [1, 2, 3, 4], tau: 0.9, restart: restart),
                                                task: SearchTestSupport.task, context: try SearchTestSupport.context(SearchTestSupport.settings(search: 3, final: 3)))
            let trace = outcomes.last!.trace
            #expect(trace.count == 4 && zip(trace, trace.dropFirst()).allSatisfy { $0 <= $1 }, "restart \(restart): \(trace)")
            let means = outcomes.map(\.meanScore)
            #expect(zip(means, means.dropFirst()).allSatisfy { $0 <= $1 + 1e-12 })
        }
    }

    @Test func ledgerMatchesAHandCount() throws {
        // 6 slots, ZO-2 for 2 iterations: 1 pivot + 2·2 neighbours generated with 2 Heun steps (3
        // calls); 3 verifier passes per round; the winner re-generated with 3 steps (5 calls).
        let outcomes = try SearchEngine.run(try ZeroOrderSearch(neighbours: 2, iterations: [2]), task: SearchTestSupport.task,
                                            context: try SearchTestSupport.context(SearchTestSupport.settings(search: 2, final: 3)))
        let l = outcomes[0].ledger
        #expect(l.searchPasses == 6 * 5 * 3 && l.finalPasses == 6 * 5 && l.verifierPasses == 6 * 3 * 2)
        #expect(outcomes[0].trace.count == 2)
    }
}

@Suite(.serialized) struct PathSearchTests {
    @Test func levelsAndNFEFollowTheFormula() throws {
        let search = try PathSearch(paths: 2, widths: [3], sigma: 0.5, forward: 0.1, backward: 0.25, length: 2)
        #expect(search.levels.count == 4)   // 0.5 → 0.35 → 0.2 → 0.05 → 0
        #expect(abs(search.levels[0] - 0.35) < 1e-12 && search.levels.last == 0)
        let settings = SearchTestSupport.settings(search: 4, final: 4)
        let outcome = try SearchEngine.run(search, task: SearchTestSupport.task, context: try SearchTestSupport.context(settings))[0]
        // Initial: 2 paths × Heun round(4·0.5) = 2 steps (3 calls). Rounds: 2·3 candidates × (Heun 2 steps = 3 calls
        // + 1 prediction call), the last round ends at data (no prediction call).
        let perSlot = 2 * 3 + 3 * (6 * 4) + 6 * 3
        #expect(search.calls(width: 3, searchSteps: 4, solver: .heun) == perSlot)
        #expect(outcome.ledger.searchPasses == 6 * perSlot && outcome.ledger.finalPasses == 0)
        #expect(outcome.ledger.verifierPasses == 6 * 6 * 4)   // N·M candidates scored each round
        #expect(outcome.trace.count == 4)
        #expect(outcome.images.shape == [6, 1, 28, 28] && outcome.chosen.count == 6)
    }

    @Test func forwardNoisingHasTheRightMoments() {
        // From t = 0.8 (data weight 0.8) to t = 0.5: data weight 0.5, noise std 0.5 in all.
        let n = 200_000
        let x = [Float](repeating: 0, count: n)   // data = 0 → pure noise part: std (1 − 0.8) = 0.2 before
        let xt = zip(x, Philox(seed: 1).normals(n)).map { 0.8 * $0 + 0.2 * $1 }
        let y = PathSearch.renoise(xt, from: 0.8, to: 0.5, noise: Philox(seed: 2).normals(n))
        let variance = y.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        #expect(abs(variance.squareRoot() - 0.5) < 0.005)
        let ones = PathSearch.renoise([Float](repeating: 0.8, count: 4), from: 0.8, to: 0.5, noise: [0, 0, 0, 0])
        #expect(ones.allSatisfy { abs($0 - 0.5) < 1e-6 })   // data 1 at t = 0.8 → mean 0.5 at t = 0.5
    }

    @Test func rejectsBadParameters() {
        #expect(throws: SearchError.self) { try PathSearch(paths: 2, widths: [2], sigma: 0.5, forward: 0.2, backward: 0.1, length: 2) }
        #expect(throws: SearchError.self) { try PathSearch(paths: 0, widths: [2], sigma: 0.5, forward: 0.1, backward: 0.2, length: 2) }
        #expect(throws: SearchError.self) { try PathSearch(paths: 2, widths: [2], sigma: 0.95, forward: 0.1, backward: 0.2, length: 2) }
    }
}
