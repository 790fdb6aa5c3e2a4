import Foundation
import Testing
import SiftTensor
@testable import SiftMetrics

/// Gaussian test features: `n` rows of `d` standard normals scaled by `scale`, keyed by `seed`.
func gaussianFeatures(_ n: Int, _ d: Int, seed: UInt64, scale: Double = 1, shift: Double = 0) -> FeatureMatrix {
    FeatureMatrix(rows: n, columns: d, values: Philox(seed: seed).normals(n * d).map { Double($0) * scale + shift })
}

@Suite struct BootstrapBasicsTests {
    @Test func normalQuantileInvertsTheCDF() {
        for p in [1e-6, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999] {
            #expect(abs(Normal.cdf(Normal.quantile(p)) - p) < 1e-12 * max(1, 1 / p))
        }
        #expect(abs(Normal.quantile(0.975) - 1.959963984540054) < 1e-12)
    }

    @Test func replicatesKeepEveryClassSize() {
        let labels = [0, 0, 0, 1, 1, 2, 2, 2, 2]
        let plan = ResamplePlan(labels: labels, replicates: 50, seed: 4)
        for b in 0..<50 {
            let counts = plan.counts(b)
            for c in 0...2 { #expect(labels.indices.filter { labels[$0] == c }.reduce(0) { $0 + counts[$1] } == labels.filter { $0 == c }.count) }
        }
        #expect(plan.counts(7) == ResamplePlan(labels: labels, replicates: 9, seed: 4).counts(7))   // keyed by replicate
        #expect(plan.counts(7) != plan.counts(8))
    }

    @Test func quantilesAndPValues() {
        #expect(BootstrapInterval.quantile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(BootstrapInterval.pValue(differences: [0, 0, 0]) == 1)
        #expect(BootstrapInterval.pValue(differences: [1, 2, 3, 4]) == 0.4)   // 2 (0 + 1) / (4 + 1): never 0
        #expect(BootstrapInterval.biasCorrected(estimate: 2, replicates: [2, 2, 2]) == Interval(low: 2, high: 2))
    }

    /// The interval of a mean covers the true mean about 95 % of the time: 400 seeded draws of
    /// 100 values in 4 classes; the binomial sd of the rate is 0.011, so [0.91, 0.985] is ±3.5 sd
    /// around 0.95 with room for the bootstrap's known slight under-coverage at n = 100.
    @Test func intervalOfAMeanCovers95Percent() {
        var covered = 0
        let trials = 400
        let labels = (0..<100).map { $0 % 4 }
        for t in 0..<trials {
            let values = Philox(seed: 1000 + UInt64(t)).normals(100).map { Double($0) * 2 + 5 }
            let plan = ResamplePlan(labels: labels, replicates: 400, seed: UInt64(t))
            let stat = ResampledMean(values)
            let replicates = (0..<plan.replicates).map { stat.value(counts: plan.counts($0)) }
            let interval = BootstrapInterval.biasShifted(estimate: stat.value(counts: [Int](repeating: 1, count: 100)), replicates: replicates)
            if interval.contains(5) { covered += 1 }
        }
        let rate = Double(covered) / Double(trials)
        #expect(rate >= 0.91 && rate <= 0.985, "coverage \(rate)")
    }
}

@Suite(.serialized) struct CellStatisticsTests {
    /// A reference of 3 classes × 400 rows and a "generated" cell of 3 × 40 rows from the same distribution.
    static let d = 6
    static let reference: MetricReference = {
        let features = gaussianFeatures(1200, d, seed: 1)
        return try! MetricReference(features: features, labels: (0..<1200).map { $0 / 400 })
    }()

    static func cell(seed: UInt64, shift: Double = 0) -> CellSamples {
        let f = gaussianFeatures(120, d, seed: seed, shift: shift)
        let logits = gaussianFeatures(120, 4, seed: seed + 77, scale: 2)
        return CellSamples(labels: (0..<120).map { $0 / 40 }, features: f, logits: logits,
                           values: ["score.mean": Philox(seed: seed + 5).normals(120).map(Double.init)])
    }

    /// Each statistic on the cell itself equals the metric computed the direct way.
    @Test func estimatesEqualTheDirectMetrics() throws {
        let s = Self.cell(seed: 9)
        var options = BootstrapOptions()
        options.replicates = 10
        let stats = Dictionary(uniqueKeysWithValues: CellStatistics.statistics(s, reference: Self.reference, options: options).map { ($0.0, $0.1) })
        let ones = [Int](repeating: 1, count: 120)
        let fid = try Self.reference.frechet.distance(to: GaussianStatistics(s.features))
        #expect(abs(stats["fid"]!.value(counts: ones) - fid) < 1e-9 * abs(fid))
        let real = Self.reference.precisionRecallSubset(size: 120, seed: options.realSubsetSeed)
        let pr = try PrecisionRecall.compute(real: real, fake: s.features, k: 3)
        #expect(stats["precision"]!.value(counts: ones) == pr.precision && stats["recall"]!.value(counts: ones) == pr.recall)
        let inception = try InceptionScore.compute(logits: s.logits, splits: 1)
        #expect(abs(stats["is_mean"]!.value(counts: ones) - inception.mean) < 1e-12 * inception.mean)
        // KID: the unbiased MMD² of the whole cell against the whole reference, summed naively.
        let kff = CubicKernel.matrix(s.features, s.features), kfr = CubicKernel.matrix(s.features, Self.reference.features)
        let krr = CubicKernel.matrix(Self.reference.features, Self.reference.features)
        let n = 120.0, m = 1200.0
        var ff = 0.0, rr = 0.0
        for i in 0..<120 { for j in 0..<120 where i != j { ff += kff[i * 120 + j] } }
        for i in 0..<1200 { for j in 0..<1200 where i != j { rr += krr[i * 1200 + j] } }
        let kid = ff / (n * (n - 1)) + rr / (m * (m - 1)) - 2 * kfr.reduce(0, +) / (n * m)
        #expect(abs(stats["kid_mean"]!.value(counts: ones) - kid) < 1e-9 * max(abs(kid), 1))
        let perClass = try FrechetDistance.perClass(fake: s.features, fakeLabels: s.labels, real: Self.reference.features, realLabels: Self.reference.labels)
        let classFID = perClass.keys.sorted().reduce(0) { $0 + perClass[$1]! } / 3
        #expect(abs(stats["class_fid"]!.value(counts: ones) - classFID) < 1e-9 * classFID)
        #expect(abs(stats["score.mean"]!.value(counts: ones) - s.values["score.mean"]!.reduce(0, +) / 120) < 1e-12)
    }

    /// On replicates with repeated slots, FID, recall and precision equal the direct metrics of the
    /// expanded rows (each slot repeated as often as drawn), and KID the unbiased MMD² over pairs of
    /// positions holding different slots — also with fewer rows than feature dimensions.
    @Test(arguments: [(120, 6), (10, 16)])
    func replicatesEqualTheDirectMetricsOfTheExpandedRows(rows: Int, d: Int) throws {
        let features = gaussianFeatures(rows, d, seed: 41, shift: 0.3)
        let reference = try MetricReference(features: gaussianFeatures(600, d, seed: 42), labels: (0..<600).map { $0 % 2 })
        let real = gaussianFeatures(rows, d, seed: 43)
        let plan = ResamplePlan(labels: (0..<rows).map { $0 % 2 }, replicates: 5, seed: 7)
        let fid = ResampledFID(features: features, reference: reference.frechet), recall = ResampledRecall(fake: features, real: real, k: 3)
        let kid = ResampledKID(features: features, reference: reference)
        let kernel = CubicKernel.matrix(features, features), cross = CubicKernel.matrix(features, reference.features)
        for b in 0..<5 {
            let counts = plan.counts(b)
            #expect(counts.contains { $0 >= 2 })
            let expanded = features.selecting(rows: ResamplePlan.indices(counts))
            let direct = try reference.frechet.distance(to: GaussianStatistics(expanded))
            #expect(abs(fid.value(counts: counts) - direct) < 1e-8 * max(1, abs(direct)))
            #expect(recall.value(counts: counts) == (try PrecisionRecall.compute(real: real, fake: expanded, k: 3)).recall)
            // KID: pairs of positions holding different slots, the whole reference, the cross mean.
            let positions = ResamplePlan.indices(counts)
            var ff = 0.0, pairs = 0.0
            for a in positions { for c in positions where a != c { ff += kernel[a * rows + c]; pairs += 1 } }
            let crossMean = positions.reduce(0.0) { total, i in total + (0..<600).reduce(0.0) { $0 + cross[i * 600 + $1] } } / Double(positions.count * 600)
            let expected = ff / pairs + reference.kidRealTerm - 2 * crossMean
            #expect(abs(kid.value(counts: counts) - expected) < 1e-9 * max(1, abs(expected)))
        }
        #expect((fid.intervalWithheld == nil) == (rows >= d))
    }

    /// Recall with repeated slots: a slot drawn k + 1 times has radius 0 (its copies are its neighbours).
    @Test func repeatedSlotsAreTheirOwnNeighbours() {
        let fake = gaussianFeatures(10, 3, seed: 3), real = gaussianFeatures(10, 3, seed: 4)
        let recall = ResampledRecall(fake: fake, real: real, k: 3)
        var counts = [Int](repeating: 0, count: 10)
        counts[2] = 10
        // One point repeated: radius 0, so only a real row equal to it would count.
        #expect(recall.value(counts: counts) == 0)
    }

    @Test func aCellComparedWithItselfHasAZeroDifference() {
        var options = BootstrapOptions()
        options.replicates = 200
        let s = Self.cell(seed: 11)
        for d in CellStatistics.compare(s, s, reference: Self.reference, options: options) {
            #expect(d.difference == 0 && d.interval == Interval(low: 0, high: 0) && d.pValue == 1, "\(d.metric)")
        }
    }

    @Test func aShiftedCellIsResolvedAndPairingTightensTheInterval() {
        var options = BootstrapOptions()
        options.replicates = 300
        // A cell far from the reference (as generated samples are: FID well above 0), and the same
        // slots a little further out (× 1.03) with a small slot-wise perturbation, as two budgets of
        // one search whose samples stay close: FID rises; the paired Δ is far tighter than the two
        // separate intervals, which overlap.
        let base = Self.cell(seed: 13)
        let a = CellSamples(labels: base.labels, features: FeatureMatrix(rows: 120, columns: Self.d, values: base.features.values.map { 2 * $0 + 0.5 }),
                            logits: base.logits, values: base.values)
        let noise = Philox(seed: 99).normals(120 * Self.d)
        let values = a.features.values.enumerated().map { i, v in 1.03 * v + 0.02 * Double(noise[i]) }
        let b = CellSamples(labels: a.labels, features: FeatureMatrix(rows: 120, columns: Self.d, values: values), logits: a.logits, values: a.values)
        let fid = CellStatistics.compare(a, b, reference: Self.reference, options: options, columns: ["fid"])[0]
        #expect(fid.difference > 0 && fid.isResolved && fid.pValue < 0.01)
        let ia = CellStatistics.intervals(a, reference: Self.reference, options: options, columns: ["fid"])["fid"]!
        let ib = CellStatistics.intervals(b, reference: Self.reference, options: options, columns: ["fid"])["fid"]!
        #expect(fid.interval.width < 0.5 * (ia.width + ib.width) / 2, "paired \(fid.interval), separate \(ia) and \(ib)")
        #expect(ia.high > ib.low)   // separately they would not be told apart
    }

    /// A real-vs-real FID's interval contains the FID of a second real draw most of the time (a
    /// new draw differs from the first by √2 of the estimator's sd, so ≈ 83 % is expected).
    @Test func realVsRealFIDIntervalContainsASecondDraw() throws {
        var options = BootstrapOptions()
        options.replicates = 300
        var contained = 0
        let trials = 40
        for t in 0..<trials {
            let first = Self.cell(seed: 500 + UInt64(2 * t)), second = Self.cell(seed: 501 + UInt64(2 * t))
            let interval = CellStatistics.intervals(first, reference: Self.reference, options: options, columns: ["fid"])["fid"]!
            if interval.contains(try Self.reference.frechet.distance(to: GaussianStatistics(second.features))) { contained += 1 }
        }
        #expect(contained >= 28, "\(contained) of \(trials)")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two cores to compare thread counts"))
    func intervalsDoNotDependOnTheThreadCount() {
        var options = BootstrapOptions()
        options.replicates = 64
        let s = Self.cell(seed: 21)
        let before = Threads.count
        defer { Threads.set(before) }
        Threads.set(1)
        let one = CellStatistics.intervals(s, reference: Self.reference, options: options)
        Threads.set(2)
        let two = CellStatistics.intervals(s, reference: Self.reference, options: options)
        #expect(one == two && one.count == 7)
    }

    /// Too few slots for the feature width: FID and class FID give no interval (the others do).
    @Test func smallCellsWithholdFIDIntervals() throws {
        let reference = try MetricReference(features: gaussianFeatures(400, 16, seed: 5), labels: (0..<400).map { $0 % 2 })
        let cell = CellSamples(labels: (0..<12).map { $0 % 2 }, features: gaussianFeatures(12, 16, seed: 6), logits: gaussianFeatures(12, 3, seed: 7))
        var options = BootstrapOptions()
        options.replicates = 100
        let intervals = CellStatistics.intervals(cell, reference: reference, options: options)
        #expect(intervals["fid"] == nil && intervals["class_fid"] == nil && intervals["is_mean"] != nil && intervals["recall"] != nil)
    }
}

@Suite struct FIDInfinityTests {
    /// Samples from the reference's own distribution: FID_n is biased above 0 by ~1/n; FID∞
    /// extrapolates that away — on average over draws (one draw's extrapolation is noisy).
    @Test func extrapolationRemovesMostOfTheSmallSampleBias() throws {
        let reference = try FrechetReference(GaussianStatistics(gaussianFeatures(40_000, 8, seed: 1)))
        let labels = (0..<800).map { $0 % 4 }
        var fidN = [Double](), fidInf = [Double]()
        for draw in 0..<12 {
            let features = gaussianFeatures(800, 8, seed: 100 + UInt64(draw))
            fidN.append(try reference.distance(to: GaussianStatistics(features)))
            fidInf.append(try #require(FIDInfinity.estimate(features: features, labels: labels, reference: reference)))
        }
        let meanN = fidN.reduce(0, +) / 12, meanInf = fidInf.reduce(0, +) / 12
        #expect(meanN > 0.02 && abs(meanInf) < 0.35 * meanN, "mean FID_n \(meanN), mean FID∞ \(meanInf)")
        #expect(FIDInfinity.estimate(features: gaussianFeatures(100, 8, seed: 3), labels: Array(repeating: 0, count: 100), reference: reference) == nil)
    }
}
