import Foundation
import Testing
import SiftModels
import SiftTensor
@testable import SiftSearch

/// `smc` on the tiny model: the ledger by hand, resampling's draws, bit-identical results over
/// batch sizes and thread counts, one particle as plain SDE sampling, and its refusals.
@Suite(.serialized) struct SMCSearchTests {
    static func search(_ particles: [Int], _ configure: (inout SMCSearch.Parameters) -> Void = { _ in }) throws -> SMCSearch {
        var p = SMCSearch.Parameters()
        configure(&p)
        return try SMCSearch(p, budgets: particles)
    }

    static let sde = SearchTestSupport.settings(search: 7, final: 7, solver: .sde)

    @Test func ledgerMatchesAHandCount() throws {
        // 7 SDE steps: 6 stochastic steps, then the mean step to data; with resample_every 2 the
        // particles are resampled after steps 2, 4 and 6 (3 rounds), then solved to data.
        let search = try Self.search([1, 3]) { $0.resampleEvery = 2 }
        #expect(search.parameters.resamplingSteps(steps: 7) == [2, 4, 6])
        let outcomes = try SearchEngine.run(search, task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.sde))
        let one = outcomes[0].ledger, three = outcomes[1].ledger
        #expect(one.searchPasses == 0 && one.finalPasses == 6 * 7 && one.verifierPasses == 0, "one particle: plain SDE sampling")
        // 3 particles × 7 calls each; 3 particles scored at 3 resampling rounds and once at data.
        #expect(three.searchPasses == 6 * 3 * 7 && three.finalPasses == 0 && three.verifierPasses == 6 * 3 * (3 + 1))
        #expect(outcomes[1].trace.count == 4)
        let plain = CandidateGenerator(denoiser: Denoiser(model: SearchTestSupport.model), solver: .sde, steps: 7, seed: Self.sde.seed)
            .generate(SearchTestSupport.task.slots).images
        #expect(zip(outcomes[0].images.data, plain.data).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) },
                "one particle follows the plain SDE sampler (segment grids may round the last bits differently)")
        // A window that excludes every resampling step: particles never interact, so the chosen
        // sample is the best of independent SDE samples.
        let window = try Self.search([3]) { $0.tStart = 0.99 }
        #expect(window.parameters.resamplingSteps(steps: 7).isEmpty)
        let independent = try SearchEngine.run(window, task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.sde))[0]
        #expect(independent.ledger.verifierPasses == 6 * 3)
    }

    @Test func resultsDoNotDependOnBatchSizeOrThreads() throws {
        let search = try Self.search([4]) { $0.potential = .diff; $0.resampling = .multinomial }
        try SearchTestSupport.expectSameOverBatchesAndThreads(search, settings: Self.sde, runs: [(256, 2), (5, 1), (1, 2), (256, 2)])
    }

    @Test func resamplingDrawsFollowTheWeights() {
        // Systematic: with weights (0.5, 0.25, 0.25, 0) and offset u₀ = 0.1, the points 0.025,
        // 0.275, 0.525, 0.775 fall in particles 0, 0, 1, 2.
        #expect(SMCRun.draw(weights: [0.5, 0.25, 0.25, 0], uniforms: [0.1, 0, 0, 0], scheme: .systematic) == [0, 0, 1, 2])
        #expect(SMCRun.draw(weights: [0.5, 0.25, 0.25, 0], uniforms: [0.9, 0.3, 0.6, 0.0], scheme: .multinomial) == [2, 0, 1, 0])
        // Frequencies of many multinomial draws match the weights.
        let w = [0.1, 0.6, 0.3]
        let u = Philox(seed: 3).uniforms(30_000).map(Double.init)
        let drawn = SMCRun.draw(weights: w, uniforms: u, scheme: .multinomial)
        for i in 0..<3 { #expect(abs(Double(drawn.filter { $0 == i }.count) / 30_000 - w[i]) < 0.01) }
    }

    @Test func lambdaZeroNeverResamplesAndMoreParticlesHelpTheVerifier() throws {
        // λ = 0: equal weights, ESS = k, no resampling: the same samples and picks as a run whose
        // window holds no resampling step (k independent SDE samples, the best kept).
        let flat = try SearchEngine.run(try Self.search([4]) { $0.lambda = 0 }, task: SearchTestSupport.task,
                                        context: try SearchTestSupport.context(Self.sde))[0]
        let independent = try SearchEngine.run(try Self.search([4]) { $0.tStart = 0.99 }, task: SearchTestSupport.task,
                                               context: try SearchTestSupport.context(Self.sde))[0]
        #expect(flat.images.data == independent.images.data && flat.chosen == independent.chosen)
        #expect(flat.ledger.verifierPasses > independent.ledger.verifierPasses, "the rounds still score the particles")
        let steered = try SearchEngine.run(try Self.search([1, 8]), task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.sde))
        #expect(steered[1].meanScore > steered[0].meanScore, "8 steered particles beat one sample on the verifier")
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SearchError.self) { try Self.search([0]) }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.essThreshold = 0 } }
        #expect(throws: SearchError.self) { try Self.search([2]) { $0.tStart = 0.8; $0.tEnd = 0.5 } }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([2]), task: SearchTestSupport.task, context: try SearchTestSupport.context(SearchTestSupport.settings()))
        }
        #expect(throws: SearchError.self) {
            try SearchEngine.run(try Self.search([2]), task: SearchTestSupport.task, context: try SearchTestSupport.context(Self.sde, verifier: "mean-rank"))
        }
    }
}
