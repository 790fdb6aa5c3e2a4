import Testing
import SiftTensor
@testable import SiftSearch

@Suite struct PoolScoresTests {
    @Test func everyCandidateScoredByEveryVerifierInPoolOrder() throws {
        // 5 Heun steps put a grid step at t = 0.6 (with 2 the prediction would be the sample itself).
        let settings = SearchTestSupport.settings(search: 5)
        let context = try SearchTestSupport.context(settings)
        let mlp = ClassLogitVerifier(name: "clf-mlp", classifier: try VerifierTestSupport.classifier("clf-mlp"))
        let selfSimilarity = SelfSimilarityVerifier(network: try VerifierTestSupport.classifier("clf-mlp"), name: "self-similarity:clf-mlp")
        let task = SearchTestSupport.task
        let pool = try PoolScores.compute(task, candidates: 3, verifiers: [mlp, selfSimilarity], context: context)
        #expect(pool.keys.count == task.count * 3 && pool.verifiers == ["clf-mlp", "self-similarity:clf-mlp"])
        #expect(pool.keys.prefix(4).map(\.candidate) == [0, 1, 2, 0])
        // The same numbers as scoring the random-search pool directly.
        let direct = RandomSearch.Pool.generate(task, nMax: 3, earlyPrediction: true, context: context)
        let batch = CandidateBatch(images: direct.images, labels: direct.keys.map(\.classIndex), earlyPrediction: direct.early)
        #expect(pool.scores[0] == (try mlp.score(batch)))
        #expect(pool.scores[1] == (try selfSimilarity.score(batch)))
        #expect(Set(pool.scores[1]).count > 1)
        // CSV: a header and one line per candidate.
        let lines = pool.csv.split(separator: "\n")
        #expect(lines.count == 1 + pool.keys.count && lines[0] == "class,sample,candidate,clf-mlp,self-similarity:clf-mlp")
        #expect(pool.byClass.keys.sorted() == task.classes && pool.byClass[7]?.count == 9)
    }

    @Test func poolRelativeVerifiersAreRefused() throws {
        let context = try SearchTestSupport.context(SearchTestSupport.settings(), verifier: "mean-rank")
        #expect(throws: SearchError.self) {
            try PoolScores.compute(SearchTestSupport.task, candidates: 2, verifiers: [try context.makeVerifier()], context: context)
        }
    }
}
