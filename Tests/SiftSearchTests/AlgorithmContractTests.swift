import Foundation
import Testing
import SiftMetrics
import SiftModels
import SiftTensor
@testable import SiftSearch

/// A parameter source from plain text values (what an experiment file or override would hold).
struct TextSource: ParameterSource {
    var values: [String: String]
    func int(_ key: String, default value: Int) throws -> Int {
        guard let s = values[key] else { return value }
        guard let v = Int(s) else { throw ParameterError.parameter(key, "must be an integer, got '\(s)'") }
        return v
    }
    func double(_ key: String, default value: Double) throws -> Double { values[key].flatMap(Double.init) ?? value }
    func bool(_ key: String, default value: Bool) throws -> Bool { values[key].map { $0 == "true" } ?? value }
    func choice(_ key: String, default value: String, from choices: [String]) throws -> String { values[key] ?? value }
}

@Suite struct AlgorithmRegistryTests {
    @Test func kindsAreDistinctAndTheDefaultIsRegistered() {
        let kinds = AlgorithmRegistry.kinds
        #expect(Set(kinds).count == kinds.count && kinds.count >= 3)
        #expect(kinds.contains(AlgorithmRegistry.defaultKind))
        for kind in kinds { #expect(AlgorithmRegistry.algorithm(kind)?.kind == kind) }
        #expect(AlgorithmRegistry.algorithm("annealing") == nil)
    }

    /// The documented keys are exactly the encoded ones (the experiment-file keys and the cell id's
    /// canonical form), the budget key among them, and the defaults are valid.
    @Test(arguments: AlgorithmRegistry.kinds)
    func documentationMatchesTheEncodedParameters(kind: String) throws {
        let defaults = try #require(AlgorithmConfig.defaults(kind: kind))
        let encoded = Set(defaults.canonicalObject.keys).subtracting(["kind"])
        #expect(Set(defaults.keys) == encoded && defaults.keys.count == encoded.count)
        #expect(defaults.keys.contains(defaults.budgetKey))
        #expect(defaults.canonicalObject["kind"] as? String == kind)
        try defaults.parameters.validate()
        // Reading nothing gives the defaults.
        #expect(try AlgorithmConfig.read(kind: kind, from: TextSource(values: [:])) == defaults)
    }

    @Test func readsValidatesAndNamesTheKey() throws {
        let zo = try AlgorithmConfig.read(kind: ZeroOrderSearch.kind, from: TextSource(values: ["neighbours": "2", "tau": "0.5", "restart": "true"]))
        let p = try #require(zo.parameters as? ZeroOrderSearch.Parameters)
        #expect(p.neighbours == 2 && p.tau == 0.5 && p.restart && p.iterations == ZeroOrderSearch.Parameters().iterations)
        #expect(throws: ParameterError.parameter("tau", "must be a cosine in (0, 1], got 1.5")) {
            try AlgorithmConfig.read(kind: ZeroOrderSearch.kind, from: TextSource(values: ["tau": "1.5"]))
        }
        #expect(throws: ParameterError.parameter("backward", "must be a step Δb larger than Δf = 0.3, got 0.2")) {
            try AlgorithmConfig.read(kind: PathSearch.kind, from: TextSource(values: ["forward": "0.3"]))
        }
        #expect(throws: ParameterError.parameter("candidates", "must be a positive integer, got 0")) {
            try AlgorithmConfig.read(kind: RandomSearch.kind, from: TextSource(values: ["candidates": "0"]))
        }
        #expect(throws: SearchError.self) { try AlgorithmConfig.read(kind: "annealing", from: TextSource(values: [:])) }
    }

    @Test func budgetsAndNoSearchBaselinesAreTheAlgorithms() throws {
        var random = try #require(AlgorithmConfig.defaults(kind: RandomSearch.kind))
        #expect(random.budgetKey == "candidates" && random.isNoSearch)
        random.budget = 4
        #expect(!random.isNoSearch && random.canonicalObject["candidates"] as? Int == 4)
        var zo = try #require(AlgorithmConfig.defaults(kind: ZeroOrderSearch.kind))
        zo.budget = 1
        #expect(!zo.isNoSearch)   // one iteration searches (budget ≤ 1 is not the rule)
        zo.budget = 0
        #expect(zo.isNoSearch)
        var paths = try #require(AlgorithmConfig.defaults(kind: PathSearch.kind))
        paths.budget = 1
        #expect(!paths.isNoSearch)
        #expect(zo != paths && zo == AlgorithmConfig.defaults(kind: ZeroOrderSearch.kind).map { var c = $0; c.budget = 0; return c })
    }

    @Test func algorithmsRefuseCellsTheyCannotRun() {
        let ode = SearchSetup(solver: .heun, verifierNeedsEarlyPrediction: false, verifierIsPoolRelative: true, recordsEarlyPrediction: false,
                              verifierName: "mean-rank(clf-vit,clf-mlp)")
        var sde = ode
        sde.solver = .sde
        #expect(throws: ParameterError.self) { try PathSearch.Parameters().check(sde) }
        #expect(throws: Never.self) { try PathSearch.Parameters().check(ode) }
        var early = ode
        early.verifierNeedsEarlyPrediction = true
        #expect(throws: ParameterError.setting("verifier", "paths search cannot use 'mean-rank(clf-vit,clf-mlp)': it needs the t = 0.6 prediction of a full generation, which a re-noised path does not have")) {
            try PathSearch.Parameters().check(early)
        }
        var restart = ZeroOrderSearch.Parameters()
        #expect(throws: Never.self) { try restart.check(ode) }
        restart.restart = true
        do { try restart.check(ode); Issue.record("restart with a pool-relative verifier accepted") } catch {
            #expect(error.place == .parameter("restart"))
        }
    }

    @Test func budgetListsAreSortedDistinctAndEachValidated() throws {
        let zo = try ZeroOrderSearch(neighbours: 2, iterations: [3, 0, 3, 1])
        #expect(zo.budgets == [0, 1, 3] && zo.parameters.iterations == 3)
        #expect(throws: SearchError.self) { try ZeroOrderSearch(neighbours: 2, iterations: [1, -1]) }
        #expect(throws: SearchError.self) { try RandomSearch(candidates: []) }
    }
}

@Suite struct VerifierTraitsTests {
    /// The traits known from a spec without loading anything equal the built verifiers' own.
    @Test func traitsMatchTheVerifiers() throws {
        let mlp = try VerifierTestSupport.classifier("clf-mlp")
        let reference = try FrechetReference(GaussianStatistics(FeatureMatrix(rows: 3, columns: 2, values: [0, 1, 1, 0, 2, 2])))
        let built: [(String, Verifier)] = [
            ("clf-mlp", ClassLogitVerifier(name: "clf-mlp", classifier: mlp)),
            ("is-oracle", InceptionOracleVerifier(evaluationNetwork: mlp)),
            ("self-similarity:clf-mlp", SelfSimilarityVerifier(network: mlp, name: "self-similarity:clf-mlp")),
            ("fid-oracle", FIDOracleVerifier(evaluationNetwork: mlp, reference: reference)),
            ("mean-rank(clf-mlp,is-oracle)", try EnsembleVerifier(members: [ClassLogitVerifier(name: "clf-mlp", classifier: mlp),
                                                                            InceptionOracleVerifier(evaluationNetwork: mlp)], rule: .meanRank)),
            ("zscore(clf-mlp:2,self-similarity:1)", try EnsembleVerifier(members: [ClassLogitVerifier(name: "clf-mlp", classifier: mlp),
                                                                                   SelfSimilarityVerifier(network: mlp)], rule: .zscore, weights: [2, 1])),
        ]
        for (spec, verifier) in built {
            let traits = try VerifierFactory.traits(spec: spec)
            #expect(traits == VerifierTraits(needsEarlyPrediction: verifier.needsEarlyPrediction, isPoolRelative: verifier.isPoolRelative,
                                              spansSlots: verifier.spansSlots, handsOnRunningState: verifier.runningState != nil), "\(spec)")
        }
        #expect(throws: VerifierError.self) { try VerifierFactory.traits(spec: "clf-cnn") }
    }
}

@Suite struct ToolkitTests {
    @Test func batchesCoverTheRangeInOrder() {
        #expect(Batches.ranges(count: 7, size: 3) == [0..<3, 3..<6, 6..<7])
        #expect(Batches.ranges(count: 0, size: 3).isEmpty)
        #expect(Batches.ranges(count: 2, size: 0) == [0..<1, 1..<2])
    }

    /// Segments of an SDE trajectory draw their noise from their own steps: a second segment
    /// numbered after the first differs from one that restarts the step count, and solving the
    /// same segment in one batch or several gives the same bits.
    @Test func segmentsKeyTheirStepNoiseApart() {
        let denoiser = Denoiser(model: SearchTestSupport.model)
        let generator = CandidateGenerator(denoiser: denoiser, solver: .sde, steps: 4, seed: 3, batchSize: 256)
        var solver = generator.segments
        let keys = SearchTestSupport.task.slots
        let x0 = Tensor(keys.flatMap { generator.noise.initial(classIndex: $0.classIndex, sample: $0.sample) }, shape: [keys.count, 1, 28, 28])
        let mid = solver.solve(x0, keys: keys, from: 0, to: 0.5, steps: 2)
        let numbered = solver.solve(mid, keys: keys, from: 0.5, to: 0.8, steps: 2, firstStep: 2)
        let restarted = solver.solve(mid, keys: keys, from: 0.5, to: 0.8, steps: 2, firstStep: 0)
        #expect(numbered.data != restarted.data)
        solver.batchSize = 4
        #expect(solver.solve(mid, keys: keys, from: 0.5, to: 0.8, steps: 2, firstStep: 2).data == numbered.data)
        // Resampled copies of one particle with their own keys take different noise.
        let copies = [keys[0], CandidateKey(classIndex: keys[0].classIndex, sample: keys[0].sample, candidate: 1)]
        let twin = Tensor.concat([mid.rows([0]), mid.rows([0])], axis: 0)
        let out = solver.solve(twin, keys: copies, from: 0.5, to: 0.8, steps: 2, firstStep: 2)
        #expect(out.rows([0]).data == numbered.rows([0]).data && out.rows([1]).data != out.rows([0]).data)
    }
}
