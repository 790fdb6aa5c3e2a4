import Testing
import SiftTensor
@testable import SiftSearch

/// `SearchContext.recordEarlyPrediction`: final samples come with their t = 0.6 predictions even
/// when the search verifier (clf-mlp) does not need them — for held-out self-similarity.
@Suite struct RecordEarlyPredictionTests {
    /// 5 search / 7 final Heun steps: both grids have a step near t = 0.6.
    func context(search: Int = 5, final: Int = 7) throws -> SearchContext {
        let context = try SearchTestSupport.context(SearchTestSupport.settings(search: search, final: final))
        context.recordEarlyPrediction = true
        return context
    }

    /// The plain samples' own t = 0.6 predictions with `steps` final steps.
    func plainEarly(_ context: SearchContext, steps: Int) -> Tensor {
        context.generator(steps: steps).generate(SearchTestSupport.task.slots, earlyPrediction: true).early!
    }

    @Test(arguments: [5, 7])
    func randomSearchRecordsTheFinalSamplesPredictions(final: Int) throws {
        let context = try context(final: final)
        let outcomes = try SearchEngine.run(try RandomSearch(candidates: [1, 3]), task: SearchTestSupport.task, context: context)
        // Each final sample's prediction is its chosen noise's own, row for row, bit for bit
        // (N = 1: the plain samples'; with equal steps they come from the pool).
        for o in outcomes {
            #expect(o.early?.shape == o.images.shape)
            #expect(o.early?.data == context.generator(steps: final).generate(o.chosen.map(\.key), earlyPrediction: true).early?.data, "N = \(o.budget)")
        }
        #expect(outcomes[0].early?.data == plainEarly(context, steps: final).data)
        #expect(outcomes[1].chosen.contains { $0.key.candidate > 0 })
        // Without the flag (and a verifier that does not need it) nothing is recorded.
        let plain = try SearchTestSupport.context(SearchTestSupport.settings(search: 5, final: final))
        #expect(try SearchEngine.run(try RandomSearch(candidates: [1, 3]), task: SearchTestSupport.task, context: plain).allSatisfy { $0.early == nil })
    }

    @Test func zeroOrderRecordsThemAndPathsRefuses() throws {
        let context = try context()
        let outcomes = try SearchEngine.run(try ZeroOrderSearch(neighbours: 2, iterations: [0, 2]), task: SearchTestSupport.task, context: context)
        for o in outcomes { #expect(o.early?.shape == o.images.shape) }
        #expect(outcomes[0].early?.data == plainEarly(context, steps: 7).data)
        let paths = try PathSearch(paths: 2, widths: [1], sigma: 0.5, forward: 0.1, backward: 0.25, length: 2)
        do {
            _ = try SearchEngine.run(paths, task: SearchTestSupport.task, context: try self.context(search: 7))
            Issue.record("paths accepted recordEarlyPrediction")
        } catch {
            #expect("\(error)".contains("cannot report a held-out self-similarity score"))
        }
        // The same search without the flag runs.
        let plain = try SearchTestSupport.context(SearchTestSupport.settings(search: 7, final: 7))
        #expect(try SearchEngine.run(paths, task: SearchTestSupport.task, context: plain).count == 1)
    }
}
