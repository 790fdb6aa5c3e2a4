import Testing
@testable import SiftMetrics

@Suite struct InceptionScoreTests {
    @Test func matchesNumpy() throws {
        let expected = try MetricsFixtures.expected()
        let logits = try MetricsFixtures.features("logits")
        for (splits, key) in [(10, "is_logits_10"), (3, "is_logits_3")] {
            let reference = expected[key] as! [Double]
            let score = try InceptionScore.compute(logits: logits, splits: splits)
            #expect(MetricsFixtures.relativeError(score.mean, reference[0]) <= 1e-9)
            #expect(MetricsFixtures.relativeError(score.std, reference[1]) <= 1e-9)
            #expect(score.splitScores.count == splits)
        }
    }

    @Test func uniformLogitsScoreOne() throws {
        let logits = FeatureMatrix(rows: 40, columns: 10, values: [Double](repeating: 0.7, count: 400))
        let score = try InceptionScore.compute(logits: logits, splits: 4)
        #expect(abs(score.mean - 1) < 1e-12)
        #expect(score.std < 1e-12)
    }

    @Test func oneHotSpreadOverClassesScoresC() throws {
        let c = 7, perClass = 6
        var values = [Double](repeating: -200, count: c * perClass * c)
        for i in 0..<(c * perClass) { values[i * c + i % c] = 200 }
        let score = try InceptionScore.compute(logits: FeatureMatrix(rows: c * perClass, columns: c, values: values), splits: perClass)
        #expect(abs(score.mean - Double(c)) < 1e-9)
    }

    @Test func shufflingSpreadsClassOrderedRowsOverSplits() throws {
        // One-hot rows ordered by class: contiguous splits each see one class (IS 1); shuffled, ≈ C.
        let c = 10, perClass = 50
        var values = [Double](repeating: -200, count: c * perClass * c)
        for i in 0..<(c * perClass) { values[i * c + i / perClass] = 200 }
        let logits = FeatureMatrix(rows: c * perClass, columns: c, values: values)
        #expect(abs(try InceptionScore.compute(logits: logits).mean - 1) < 1e-9)
        let shuffled = InceptionScore.shuffled(logits, seed: 1)
        #expect(shuffled.values.sorted() == logits.values.sorted())
        #expect(try InceptionScore.compute(logits: shuffled).mean > 8)
    }

    @Test func rejectsTooFewRowsAndBadSplits() {
        let logits = FeatureMatrix(rows: 3, columns: 10, values: [Double](repeating: 0, count: 30))
        #expect(throws: MetricsError.tooFew(what: "logits", rows: 3, needed: 10, purpose: "an Inception Score with 10 splits")) {
            try InceptionScore.compute(logits: logits)
        }
        #expect(throws: MetricsError.self) { try InceptionScore.compute(logits: logits, splits: 0) }
    }
}
