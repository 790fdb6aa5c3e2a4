import Testing
@testable import SiftMetrics

@Suite struct FrechetDistanceTests {
    @Test func matchesScipySqrtm() throws {
        let expected = try MetricsFixtures.expected()
        let real = try MetricsFixtures.features("real"), fake = try MetricsFixtures.features("fake")
        let fid = try FrechetDistance.compute(real, fake)
        #expect(MetricsFixtures.relativeError(fid, expected["fid_real_fake"] as! Double) <= 1e-6)
        // Symmetric in its arguments.
        #expect(MetricsFixtures.relativeError(try FrechetDistance.compute(fake, real), fid) <= 1e-9)
    }

    @Test func float32FilesAreWidened() throws {
        let expected = try MetricsFixtures.expected()
        let fid = try FrechetDistance.compute(try MetricsFixtures.features("real_f32"), try MetricsFixtures.features("fake"))
        #expect(MetricsFixtures.relativeError(fid, expected["fid_real_f32_fake"] as! Double) <= 1e-6)
    }

    @Test func rankDeficientCovarianceIsFinite() throws {
        let expected = try MetricsFixtures.expected()
        let small = try MetricsFixtures.features("small")
        #expect(small.rows < small.columns)
        let fid = try FrechetDistance.compute(small, try MetricsFixtures.features("real"))
        #expect(fid.isFinite)
        #expect(MetricsFixtures.relativeError(fid, expected["fid_small_real"] as! Double) <= 1e-6)
    }

    @Test func identicalSetsGiveZero() throws {
        let real = try MetricsFixtures.features("real")
        #expect(abs(try FrechetDistance.compute(real, real)) < 1e-9)
    }

    @Test func equalCovariancesGiveMeanDistance() throws {
        // pytorch-fid's check: Σ1 = Σ2 = I, μ2 − μ1 = 1 in every dimension → FID = d.
        let d = 64
        var identity = [Double](repeating: 0, count: d * d)
        for i in 0..<d { identity[i * d + i] = 1 }
        let a = GaussianStatistics(count: 10, mean: [Double](repeating: 0, count: d), covariance: identity)
        let b = GaussianStatistics(count: 10, mean: [Double](repeating: 1, count: d), covariance: identity)
        #expect(abs(try FrechetDistance.compute(a, b) - Double(d)) < 1e-9)
    }

    @Test func runningMomentsMatchBatchStatistics() throws {
        let real = try MetricsFixtures.features("real")
        var running = RunningMoments(dimension: real.columns)
        for r in 0..<99 { running.add(real.values[(r * real.columns)..<((r + 1) * real.columns)]) }
        let incremental = running.statistics(adding: real.values[(99 * real.columns)..<(100 * real.columns)])
        let direct = GaussianStatistics(real.selecting(rows: Array(0..<100)))
        #expect(incremental.count == 100)
        for (a, b) in zip(incremental.covariance, direct.covariance) { #expect(abs(a - b) < 1e-9 * max(1, abs(b))) }
        for (a, b) in zip(incremental.mean, direct.mean) { #expect(abs(a - b) < 1e-12) }
    }

    @Test func perClassUsesMatchingLabels() throws {
        let real = try MetricsFixtures.features("real")
        let labels = (0..<real.rows).map { $0 % 2 }
        let perClass = try FrechetDistance.perClass(fake: real, fakeLabels: labels, real: real, realLabels: labels)
        #expect(perClass.keys.sorted() == [0, 1])
        for v in perClass.values { #expect(abs(v) < 1e-9) }
        let shifted = try FrechetDistance.perClass(fake: real, fakeLabels: labels.map { 1 - $0 }, real: real, realLabels: labels)
        #expect(shifted.values.allSatisfy { $0 > 1 })
    }

    @Test func rejectsMismatchedWidthAndBadValues() throws {
        let real = try MetricsFixtures.features("real")
        let narrow = FeatureMatrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6])
        #expect(throws: MetricsError.widthMismatch(first: "first features", firstWidth: 16, second: "second features", secondWidth: 2)) {
            try FrechetDistance.compute(real, narrow)
        }
        let bad = FeatureMatrix(rows: 2, columns: 2, values: [1, .nan, 3, 4])
        #expect(throws: MetricsError.nonFinite(what: "second features", row: 0, column: 1)) {
            try FrechetDistance.compute(narrow.selecting(rows: [0, 1]), bad)
        }
        #expect(throws: MetricsError.empty(what: "first features")) {
            try FrechetDistance.compute(FeatureMatrix(rows: 0, columns: 2, values: []), narrow)
        }
    }
}
