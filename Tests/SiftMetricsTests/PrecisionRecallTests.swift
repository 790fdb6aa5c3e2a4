import Testing
@testable import SiftMetrics

@Suite struct PrecisionRecallTests {
    @Test func matchesNumpyExactly() throws {
        let expected = try MetricsFixtures.expected()
        let real = try MetricsFixtures.features("real"), fake = try MetricsFixtures.features("fake")
        let k3 = expected["precision_recall_k3"] as! [String: Any]
        let result = try PrecisionRecall.compute(real: real, fake: fake, k: 3)
        #expect(result.precision == k3["precision"] as! Double)
        #expect(result.recall == k3["recall"] as! Double)
        #expect(Int((result.precision * Double(fake.rows)).rounded()) == k3["fake_inside"] as! Int)
        let k5 = expected["precision_recall_k5"] as! [Double]
        let result5 = try PrecisionRecall.compute(real: real, fake: fake, k: 5)
        #expect([result5.precision, result5.recall] == k5)
    }

    @Test func blockingDoesNotChangeRadii() throws {
        // More rows than one distance block.
        var values = [Double]()
        for i in 0..<(PrecisionRecall.block + 37) { values += [Double(i % 97) * 0.5, Double(i / 97)] }
        let set = FeatureMatrix(rows: values.count / 2, columns: 2, values: values)
        let radii = PrecisionRecall.radii(set, k: 3)
        // Brute force for a few rows.
        for r in [0, 500, PrecisionRecall.block + 30] {
            var d = (0..<set.rows).map { j -> Double in
                let dx = set.values[2 * r] - set.values[2 * j], dy = set.values[2 * r + 1] - set.values[2 * j + 1]
                return dx * dx + dy * dy
            }
            d.sort()
            #expect(radii[r] == d[3])
        }
    }

    @Test func identicalSetsAreFullyCovered() throws {
        let real = try MetricsFixtures.features("real")
        let result = try PrecisionRecall.compute(real: real, fake: real)
        #expect(result.precision == 1 && result.recall == 1)
    }

    @Test func needsMoreThanKRows() throws {
        let tiny = FeatureMatrix(rows: 3, columns: 2, values: [0, 0, 1, 1, 2, 2])
        #expect(throws: MetricsError.tooFew(what: "generated features", rows: 3, needed: 4, purpose: "precision/recall with k = 3")) {
            try PrecisionRecall.compute(real: try MetricsFixtures.features("real").selecting(rows: [0, 1, 2, 3, 4]).selectingColumns(2), fake: tiny)
        }
    }
}

extension FeatureMatrix {
    func selectingColumns(_ n: Int) -> FeatureMatrix {
        FeatureMatrix(rows: rows, columns: n, values: (0..<rows).flatMap { r in values[(r * columns)..<(r * columns + n)] })
    }
}
