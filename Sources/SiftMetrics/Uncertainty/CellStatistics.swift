import SiftTensor

/// A cell's per-sample evaluation data, one row per sample slot in slot order: class labels,
/// evaluation features and logits, and named per-slot values (verifier scores, held-out scores).
public struct CellSamples: Sendable {
    public let labels: [Int]
    public let features: FeatureMatrix
    public let logits: FeatureMatrix
    /// Summary column → one value per slot (`score.mean`, `held_out.clf-vit`, …).
    public let values: [String: [Double]]

    public init(labels: [Int], features: FeatureMatrix, logits: FeatureMatrix, values: [String: [Double]] = [:]) {
        precondition(features.rows == labels.count && logits.rows == labels.count, "CellSamples: \(labels.count) labels, \(features.rows) features, \(logits.rows) logits")
        precondition(values.values.allSatisfy { $0.count == labels.count }, "CellSamples: a value list does not have one value per slot")
        self.labels = labels
        self.features = features
        self.logits = logits
        self.values = values
    }
}

/// Settings of the bootstrap.
public struct BootstrapOptions: Codable, Equatable, Sendable {
    public var replicates = 1000
    public var seed: UInt64 = 0xB007
    public var level = 0.95
    /// Neighbours of precision/recall.
    public var k = 3
    /// Seed of the fixed real subset of precision/recall.
    public var realSubsetSeed: UInt64 = 2020
    public init() {}

    /// How the intervals are made, for records and captions.
    public var method: String {
        "bias-shifted percentile bootstrap, \(replicates) class-stratified resamples of sample slots, reference statistics fixed; "
            + "an interval for the metric's expected value at this sample size (FID and KID are biased at small n; FID∞ is not)"
    }
}

/// A paired comparison of one metric between two cells that share their slots.
public struct PairedDifference: Codable, Equatable, Sendable {
    public let metric: String
    public let first: Double
    public let second: Double
    /// second − first.
    public let difference: Double
    public let interval: Interval
    public let pValue: Double

    enum CodingKeys: String, CodingKey {
        case metric, first, second, difference, interval
        case pValue = "p_value"
    }

    /// Whether the interval of the difference excludes 0.
    public var isResolved: Bool { interval.low > 0 || interval.high < 0 }
}

/// Bootstrap intervals of a cell's metrics and paired comparisons of two cells, by summary
/// column: `fid`, `is_mean`, `kid_mean`, `precision`, `recall`, `class_fid`, and every per-slot
/// value column. Replicates run on both cores, OpenBLAS on one thread each, so the intervals do
/// not depend on the thread count.
public enum CellStatistics {
    /// The metric columns, in report order.
    public static let metricColumns = ["fid", "is_mean", "kid_mean", "precision", "recall", "class_fid"]

    /// The resampled statistic of every requested column (`columns` nil: all metrics and values).
    public static func statistics(_ s: CellSamples, reference: MetricReference, options: BootstrapOptions,
                                  columns: Set<String>? = nil) -> [(String, ResampledStatistic)] {
        func wanted(_ c: String) -> Bool { columns?.contains(c) ?? true }
        var out = [(String, ResampledStatistic)]()
        if wanted("fid") { out.append(("fid", ResampledFID(features: s.features, reference: reference.frechet))) }
        if wanted("is_mean") { out.append(("is_mean", ResampledInceptionScore(logits: s.logits))) }
        if wanted("kid_mean") { out.append(("kid_mean", ResampledKID(features: s.features, reference: reference))) }
        let real = wanted("precision") || wanted("recall") ? reference.precisionRecallSubset(size: s.features.rows, seed: options.realSubsetSeed) : nil
        if wanted("precision"), let real { out.append(("precision", ResampledMean(PrecisionRecall.insideIndicators(s.features, manifold: real, k: options.k)))) }
        if wanted("recall"), let real { out.append(("recall", ResampledRecall(fake: s.features, real: real, k: options.k))) }
        if wanted("class_fid") { out.append(("class_fid", ResampledClassFID(features: s.features, labels: s.labels, references: reference.classReferences))) }
        for (name, values) in s.values.sorted(by: { $0.key < $1.key }) where wanted(name) { out.append((name, ResampledMean(values))) }
        return out
    }

    /// Columns whose values are shares, whose intervals stay within [0, 1] (shifting the replicates
    /// by their bias can push a bound past the range).
    static let shares: Set<String> = ["precision", "recall"]

    /// Lower bounds of statistics that cannot go below them (FID ≥ 0, IS ≥ 1).
    static let floors: [String: Double] = ["fid": 0, "class_fid": 0, "is_mean": 1]

    static func clamped(_ i: Interval, _ column: String) -> Interval {
        guard i.low.isFinite, i.high.isFinite else { return i }
        if shares.contains(column) { return Interval(low: min(max(i.low, 0), 1), high: min(max(i.high, 0), 1)) }
        if let floor = floors[column] { return Interval(low: max(i.low, floor), high: max(i.high, floor)) }
        return i
    }

    /// Every statistic on the cell itself and on each replicate of `plan`:
    /// `(estimates [S], replicates [B][S])`.
    static func evaluate(_ statistics: [(String, ResampledStatistic)], plan: ResamplePlan) -> ([Double], [[Double]]) {
        let ones = [Int](repeating: 1, count: plan.slots)
        let estimates = statistics.map { $0.1.value(counts: ones) }
        var replicates = [[Double]](repeating: [], count: plan.replicates)
        DoublePrecisionLAPACK.singleThreaded {
            replicates.withUnsafeMutableBufferPointer { out in
                let shared = SharedPointer(out.baseAddress!)
                parallelFor(plan.replicates) { b in
                    let counts = plan.counts(b)
                    shared[b] = statistics.map { $0.1.value(counts: counts) }
                }
            }
        }
        return (estimates, replicates)
    }

    /// Bias-shifted percentile bootstrap intervals of every column of `s` (none for statistics that
    /// withhold theirs: ``ResampledStatistic/intervalWithheld``).
    public static func intervals(_ s: CellSamples, reference: MetricReference, options: BootstrapOptions = BootstrapOptions(),
                                 columns: Set<String>? = nil) -> [String: Interval] {
        intervals(of: statistics(s, reference: reference, options: options, columns: columns), labels: s.labels, options: options)
    }

    /// Bias-shifted percentile bootstrap intervals of any named statistics of one set of slots
    /// (labelled `labels`, slot order), resampled class-stratified as `options` says; statistics
    /// that withhold their interval get none.
    public static func intervals(of statistics: [(String, ResampledStatistic)], labels: [Int], options: BootstrapOptions) -> [String: Interval] {
        let (estimates, replicates) = evaluate(statistics, plan: ResamplePlan(labels: labels, replicates: options.replicates, seed: options.seed))
        var out = [String: Interval]()
        for (j, (name, statistic)) in statistics.enumerated() where statistic.intervalWithheld == nil {
            out[name] = clamped(BootstrapInterval.biasShifted(estimate: estimates[j], replicates: replicates.map { $0[j] }, level: options.level), name)
        }
        return out
    }

    /// Paired bootstrap of every common column of `a` and `b`: both cells are resampled with the
    /// same slots in each replicate (their slots share noises), and the interval is of the
    /// difference b − a. The cells must list the same slots (classes in the same order).
    public static func compare(_ a: CellSamples, _ b: CellSamples, reference: MetricReference, options: BootstrapOptions = BootstrapOptions(),
                               columns: Set<String>? = nil) -> [PairedDifference] {
        precondition(a.labels == b.labels, "CellStatistics.compare: the cells' slots differ")
        let common = Set(a.values.keys).intersection(b.values.keys).union(metricColumns)
        let wanted = columns.map { $0.intersection(common) } ?? common
        let sa = statistics(a, reference: reference, options: options, columns: wanted)
        let sb = statistics(b, reference: reference, options: options, columns: wanted)
        let plan = ResamplePlan(labels: a.labels, replicates: options.replicates, seed: options.seed)
        let (ea, ra) = evaluate(sa, plan: plan), (eb, rb) = evaluate(sb, plan: plan)
        return sa.indices.filter { sa[$0].1.intervalWithheld == nil && sb[$0].1.intervalWithheld == nil }.map { j in
            let delta = eb[j] - ea[j]
            let deltas = (0..<plan.replicates).map { rb[$0][j] - ra[$0][j] }
            return PairedDifference(metric: sa[j].0, first: ea[j], second: eb[j], difference: delta,
                                    interval: BootstrapInterval.biasShifted(estimate: delta, replicates: deltas, level: options.level),
                                    pValue: BootstrapInterval.pValue(differences: BootstrapInterval.shifted(deltas, to: delta)))
        }
    }
}
